"""Training builds control_hidden_states exactly as the stock WanVACEPipeline does."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from diffusers import AutoencoderKLWan, WanVACEPipeline, WanVACETransformer3DModel

from studio.demo import model as M
from studio.demo.data import pin_flags
from studio.demo.pipeline import conditioning
from studio.demo.scenes import make_scene, render
from studio.demo.trainsteps import FlowTrainer
from studio.demo.vace import compression, control_latents, frame_mask

# The demo layout (4x in space, two frames a latent) and Wan's (4x in time), which the
# trainer also meets in older folders; narrow, so the tests stay quick.
LAYOUTS = {
    "demo": {**M.VAE_CONFIG, "base_dim": 8},
    "wan 4x in time": {
        **M.VAE_CONFIG,
        "base_dim": 8,
        "dim_mult": [1, 2, 4],
        "temperal_downsample": [True, True],
        "scale_factor_spatial": 4,
        "scale_factor_temporal": 4,
    },
}


def _pipeline(layout: str = "demo") -> WanVACEPipeline:
    torch.manual_seed(0)
    vae = AutoencoderKLWan(**LAYOUTS[layout])
    # Non-trivial normalisation, so a missing or misplaced one would show.
    vae.register_to_config(latents_mean=[0.1] * M.Z_DIM, latents_std=[0.5] * M.Z_DIM)
    spatial, _ = compression(vae)
    transformer = WanVACETransformer3DModel(
        **{**M.TRANSFORMER_CONFIG, "vace_in_channels": 2 * M.Z_DIM + spatial * spatial}
    )
    return WanVACEPipeline(
        tokenizer=None,
        text_encoder=None,
        vae=vae.eval(),
        scheduler=M.new_scheduler(),
        transformer=transformer,
    )


@pytest.mark.parametrize("layout", list(LAYOUTS))
@torch.no_grad()
def test_control_latents_match_the_pipeline_for_every_pin_mode(layout: str) -> None:
    pipe = _pipeline(layout)
    # 9 frames keep the test quick; the folding in time is the same rule as for 17.
    real = render(make_scene(7), frames=9)
    rng = np.random.default_rng(0)
    for mode in ("first_k", "both_ends"):
        gen = pin_flags(mode, len(real), rng)
        pins = {t: real[t] for t in range(len(real)) if gen[t] == 0}
        video_pil, mask_pil = conditioning(pins, frames=len(real))
        video, mask, refs = pipe.preprocess_conditions(
            video_pil, mask_pil, None, 1, 64, 64, len(real), torch.float32, torch.device("cpu")
        )
        expected = torch.cat(
            [
                pipe.prepare_video_latents(video, mask, refs, None, torch.device("cpu")),
                pipe.prepare_masks(mask, refs, None),
            ],
            dim=1,
        )
        spatial, temporal = compression(pipe.vae)
        ours = control_latents(pipe.vae, video, mask, spatial, M.PATCH[1], temporal)
        assert ours.shape == expected.shape
        torch.testing.assert_close(ours, expected, atol=2e-3, rtol=1e-3)


@pytest.mark.parametrize("mode", ["both_ends", "none"])
@torch.no_grad()
def test_trainer_shortcut_matches_the_pipeline(mode: str) -> None:
    """The trainer encodes the all-grey reactive video once (and with nothing pinned, the grey
    inactive one); the result is the pipeline's tensor."""
    pipe = _pipeline()
    real = render(make_scene(7))
    gen = pin_flags(mode, len(real), np.random.default_rng(2))
    video, mask, refs = pipe.preprocess_conditions(
        *conditioning({t: real[t] for t in range(len(real)) if gen[t] == 0}),
        None,
        1,
        64,
        64,
        len(real),
        torch.float32,
        torch.device("cpu"),
    )
    expected = torch.cat(
        [
            pipe.prepare_video_latents(video, mask, refs, None, torch.device("cpu")),
            pipe.prepare_masks(mask, refs, None),
        ],
        dim=1,
    )
    trainer = FlowTrainer(pipe.transformer, pipe.vae, 1e-4, torch.device("cpu"))
    sample = trainer._encode_samples([7], np.random.default_rng(1), torch.from_numpy(gen)[None])[0]
    # Grey 128 is 0.0039 in the pipeline and exactly 0 in training: a tiny, harmless difference.
    torch.testing.assert_close(sample["control"][None], expected, atol=2e-2, rtol=1e-2)


def test_frame_mask_marks_pinned_frames_black() -> None:
    gen = torch.tensor([[0.0, 1.0, 1.0, 0.0]])
    mask = frame_mask(gen, 8, 8)
    assert mask.shape == (1, 3, 4, 8, 8)
    assert mask[0, :, 0].max() == 0 and mask[0, :, 1].min() == 1 and mask[0, :, 3].max() == 0

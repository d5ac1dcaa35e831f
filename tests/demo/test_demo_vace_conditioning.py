"""Training builds control_hidden_states exactly as the stock WanVACEPipeline does."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from diffusers import AutoencoderKLWan, WanVACEPipeline, WanVACETransformer3DModel

from studio.demo import model as M
from studio.demo.data import pin_flags
from studio.demo.feed import make_sample
from studio.demo.flow import FlowTrainer
from studio.demo.pipeline import conditioning
from studio.demo.scenes import FRAMES, make_scene, render
from studio.demo.vace import compression, control_latents, encode, frame_mask

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


@torch.no_grad()
def _pipeline_control(pipe: WanVACEPipeline, video_pil, mask_pil, reference=None) -> torch.Tensor:
    """`control_hidden_states` as the pipeline builds them from PIL frames (and a reference)."""
    frames = len(video_pil)
    cpu = torch.device("cpu")
    references = None if reference is None else [reference]
    video, mask, refs = pipe.preprocess_conditions(
        video_pil, mask_pil, references, 1, 64, 64, frames, torch.float32, cpu
    )
    return torch.cat(
        [pipe.prepare_video_latents(video, mask, refs, None, cpu), pipe.prepare_masks(mask, refs, None)],
        dim=1,
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
    expected = _pipeline_control(
        pipe, *conditioning({t: real[t] for t in range(len(real)) if gen[t] == 0})
    )
    trainer = FlowTrainer(pipe.transformer, pipe.vae, 1e-4, torch.device("cpu"))
    sample = trainer._encode_samples([7], np.random.default_rng(1), torch.from_numpy(gen)[None])[0]
    # Grey 128 is 0.0039 in the pipeline and exactly 0 in training: a tiny, harmless difference.
    torch.testing.assert_close(sample["control"][None], expected, atol=2e-2, rtol=1e-2)


@torch.no_grad()
def test_extend_back_samples_carry_the_reference_image_as_the_pipeline_lays_it() -> None:
    """Extending back with `reference_images=[first pinned frame]`, the pipeline puts the image's
    latent (coded alone) before the video's in the conditioning, and denoises that slot too;
    training's sample has the same control tensor, and that latent as the slot's target."""
    pipe = _pipeline()
    real = render(make_scene(7))
    gen = np.ones(len(real), dtype=np.float32)
    gen[-5:] = 0
    video_pil, mask_pil = conditioning({t: real[t] for t in range(len(real)) if gen[t] == 0})
    first = len(real) - 5
    expected = _pipeline_control(pipe, video_pil, mask_pil, video_pil[first])
    trainer = FlowTrainer(pipe.transformer, pipe.vae, 1e-4, torch.device("cpu"))
    sample = trainer._encode(
        [make_sample(7, 0)], np.random.default_rng(1), torch.from_numpy(gen)[None], reference=True
    )[0]
    assert sample["control"].shape[1] == expected.shape[2]
    torch.testing.assert_close(sample["control"][None], expected, atol=2e-2, rtol=1e-2)
    reference = encode(pipe.vae, torch.from_numpy(real[first]).permute(2, 0, 1)[None, :, None]
                       .float().div(127.5).sub(1))
    torch.testing.assert_close(sample["x0"][:, :1], reference[0], atol=1e-4, rtol=1e-4)
    whole = encode(pipe.vae, torch.from_numpy(real).permute(3, 0, 1, 2)[None].float().div(127.5).sub(1))
    torch.testing.assert_close(sample["x0"][:, 1:], whole[0], atol=1e-4, rtol=1e-4)
    assert sample["shapes"].shape[1] == sample["x0"].shape[1] and sample["shapes"][:, 0].max() == 0


class _Prompts:
    def batch(self, texts: list[str]) -> torch.Tensor:
        return torch.zeros(len(texts), 4, M.TRANSFORMER_CONFIG["text_dim"])


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_the_reference_share_of_batches_extends_back_with_a_reference(share: float) -> None:
    pipe = _pipeline()
    trainer = FlowTrainer(
        pipe.transformer, pipe.vae, 1e-4, torch.device("cpu"), reference_share=share
    )
    trainer.prompts = _Prompts()
    trainer.vae.requires_grad_(False)
    loss = trainer.step(2, np.random.default_rng(0), 0, 0.0)
    assert np.isfinite(loss)
    assert (len(trainer.buffers[True]) > 0) == (share > 0)
    assert (len(trainer.buffers[False]) > 0) == (share < 1)
    z = M.Z_DIM
    for sample in trainer.buffers[True]:
        kept = sample["control"][2 * z :]  # the mask's channels: 0 = kept, 1 = generate
        assert kept[:, 0].max() == 0  # the reference's slot
        assert kept[:, 1].min() == 1  # the window's first frame is made...
        assert kept[:, -1].max() == 0  # ...and its last is a pin
        # One latent frame more than the window's: the reference's.
        frames = 1 + (FRAMES - 1) // compression(pipe.vae)[1] + 1
        assert sample["x0"].shape[1] == sample["control"].shape[1] == frames
        assert sample["shapes"].shape[1] == frames


def test_frame_mask_marks_pinned_frames_black() -> None:
    gen = torch.tensor([[0.0, 1.0, 1.0, 0.0]])
    mask = frame_mask(gen, 8, 8)
    assert mask.shape == (1, 3, 4, 8, 8)
    assert mask[0, :, 0].max() == 0 and mask[0, :, 1].min() == 1 and mask[0, :, 3].max() == 0

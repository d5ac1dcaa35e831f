"""Sizes of the demo model's parts, and how to build them fresh or save them as a diffusers folder.

The layout is a real Wan-VACE checkpoint in miniature: a small `AutoencoderKLWan` (4x spatial
and 2x temporal compression, 4 latent channels), a small `WanVACETransformer3DModel` that reads
MiniLM's 384-wide token states, and the UniPC flow-matching scheduler that Wan checkpoints ship.

Why this layout: the first demo model used Wan's 4x compression in time and 16 channels. Motion
inside each 4-frame latent is then a code in the channels rather than a displacement between
latent frames, and its small transformer never learned it (after 20k steps a caption's
direction words changed its error by 0.2%, even with the first frame pinned). With 2x, a latent
holds two frames and motion is mostly a shift between latents, which attention with 3-D RoPE
sees directly. (No compression in time at all is not possible: WanVACEPipeline then asks for
one frame more than the VAE codes.) The old latents were nearly four-dimensional anyway
(`vae_surgery`), so 4 channels lose nothing, and a 4x4 patch gives each token the same 64
numbers as before with fewer tokens (9 x 4 x 4 = 144 against 5 x 8 x 8 = 320).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path

import torch
from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanVACETransformer3DModel

from studio.demo.scenes import FPS, FRAMES, HEIGHT, WIDTH
from studio.engine.minilm import MINILM_DIM

log = logging.getLogger(__name__)

Z_DIM = 4
VAE_CONFIG: dict = {
    "base_dim": 16,
    "decoder_base_dim": None,
    "z_dim": Z_DIM,
    "dim_mult": [1, 2, 4],
    "num_res_blocks": 1,
    "attn_scales": [],
    # Two spatial down stages, the first also in time: 4x spatial, 2x temporal.
    "temperal_downsample": [True, False],
    "dropout": 0.0,
    "latents_mean": [0.0] * Z_DIM,
    "latents_std": [1.0] * Z_DIM,
    "scale_factor_temporal": 2,
    "scale_factor_spatial": 4,
}
SPATIAL = 4  # 2 ** len(temperal_downsample), as WanVACEPipeline computes it
TEMPORAL = 2  # 2 ** sum(temperal_downsample)
PATCH = (1, 4, 4)
VACE_LAYERS = [0, 2]
TRANSFORMER_CONFIG: dict = {
    "patch_size": list(PATCH),
    "num_attention_heads": 3,
    "attention_head_dim": 64,
    "in_channels": Z_DIM,
    "out_channels": Z_DIM,
    "text_dim": MINILM_DIM,
    "freq_dim": 64,
    "ffn_dim": 512,
    "num_layers": 4,
    "cross_attn_norm": True,
    "qk_norm": "rms_norm_across_heads",
    "eps": 1e-6,
    "rope_max_seq_len": 1024,
    "vace_layers": VACE_LAYERS,
    # Inactive + reactive latents, and the pixel mask folded by the VAE's spatial stride.
    "vace_in_channels": 2 * Z_DIM + SPATIAL * SPATIAL,
}
# Wan's shipped scheduler: UniPC over flow-matching sigmas.
SCHEDULER_CONFIG: dict = {
    "num_train_timesteps": 1000,
    "prediction_type": "flow_prediction",
    "use_flow_sigmas": True,
    "flow_shift": 3.0,
    "solver_order": 2,
    "solver_type": "bh2",
    "lower_order_final": True,
}
# Wan's pipeline pads prompt states with zeros to 512 tokens (`max_sequence_length`) and the
# transformer attends to all of them. For Wan's captions that is fine; a demo caption has about
# 16 tokens, and in this small model the padding took about 90% of the cross-attention, leaving
# the prompt a tenth of its say. The demo model is trained and run with prompts padded to
# PROMPT_TOKENS; its folder says so (studio_defaults.json) and the engine passes it on.
WAN_PROMPT_TOKENS = 512
PROMPT_TOKENS = 64
DEFAULT_STEPS = 20
DEFAULT_GUIDANCE = 4.0


def new_vae(seed: int = 0) -> AutoencoderKLWan:
    torch.manual_seed(seed)
    return AutoencoderKLWan(**VAE_CONFIG)


def new_transformer(seed: int = 0, config: dict | None = None) -> WanVACETransformer3DModel:
    """A freshly initialised transformer of this layout, or of `config`'s."""
    torch.manual_seed(seed)
    return WanVACETransformer3DModel.from_config(config or TRANSFORMER_CONFIG)


def new_scheduler() -> UniPCMultistepScheduler:
    return UniPCMultistepScheduler(**SCHEDULER_CONFIG)


def model_index() -> dict:
    """model_index.json of the demo folder; the text encoder comes from studio_components.json."""
    import diffusers

    return {
        "_class_name": "WanVACEPipeline",
        "_diffusers_version": diffusers.__version__,
        "boundary_ratio": None,
        "scheduler": ["diffusers", "UniPCMultistepScheduler"],
        "text_encoder": [None, None],
        "tokenizer": [None, None],
        "transformer": ["diffusers", "WanVACETransformer3DModel"],
        "transformer_2": [None, None],
        "vae": ["diffusers", "AutoencoderKLWan"],
    }


def export_folder(
    vae: AutoencoderKLWan,
    transformer: WanVACETransformer3DModel,
    dest: Path,
    card: str | None = None,
    extra: dict[str, str] | None = None,
    *,
    prompt_tokens: int,
    extend_back_reference: bool = False,
) -> None:
    """Write a complete diffusers folder to `dest`, replacing it only once the new one is whole.

    `prompt_tokens`: what the transformer's prompts were padded to in training;
    `extend_back_reference`: whether it learned to read the first pinned frame as a reference
    image when extending back (the engine passes one only then)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".demo-export-", dir=dest.parent))
    tmp.chmod(0o755)
    try:
        for name, part in (("vae", vae), ("transformer", transformer)):
            part.save_pretrained(tmp / name, safe_serialization=True)
            # A part loaded from a folder records where it came from; the folder it lands in
            # is its own.
            config = json.loads((tmp / name / "config.json").read_text())
            config.pop("_name_or_path", None)
            (tmp / name / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        new_scheduler().save_pretrained(tmp / "scheduler")
        (tmp / "model_index.json").write_text(json.dumps(model_index(), indent=2) + "\n")
        (tmp / "studio_components.json").write_text(
            json.dumps({"text_encoder": "minilm", "tokenizer": "minilm"}, indent=2) + "\n"
        )
        # The window it is trained at, which new shots and `studio generate` start from, and
        # the prompt length the engine must pad to.
        defaults = {"width": WIDTH, "height": HEIGHT, "frames": FRAMES, "fps": str(FPS)}
        if prompt_tokens != WAN_PROMPT_TOKENS:
            defaults["prompt_tokens"] = prompt_tokens
        if extend_back_reference:
            defaults["extend_back_reference"] = True
        (tmp / "studio_defaults.json").write_text(json.dumps(defaults, indent=2) + "\n")
        for name, text in (extra or {}).items():
            (tmp / name).write_text(text)
        if card is not None:
            (tmp / "README.md").write_text(card)
        elif (dest / "README.md").is_file():
            shutil.copy2(dest / "README.md", tmp / "README.md")
        old = None
        if dest.exists():
            old = dest.parent / f".demo-old-{os.getpid()}"
            if old.exists():
                shutil.rmtree(old)
            os.replace(dest, old)
        os.replace(tmp, dest)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    log.info("exported demo model to %s", dest)

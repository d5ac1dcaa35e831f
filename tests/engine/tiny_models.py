"""Tiny seeded random models of every family, saved as real diffusers folders.

Each builder constructs a pipeline from tiny configs (a few thousand parameters per part),
saves it with `save_pretrained(safe_serialization=True)` and returns the folder, so tests run
the studio's real loading path on a CPU in seconds. The text encoder is a tiny T5/UMT5 with a
word-level tokenizer built here, so nothing is downloaded.

Reuse from other tests: `from tiny_models import build_tiny_wan_vace` (tests/engine is on
sys.path for its tests) or `from engine.tiny_models import ...` (from tests/ subfolders).
"""

from __future__ import annotations

from pathlib import Path

import torch

WORDS = ["a", "an", "the", "of", "in", "on", "at", "with", "and", "to", "from", "over", "under", "into", "through", "shot", "close", "wide", "slow", "fast", "cat", "dog", "bird", "horse", "person", "woman", "man", "child", "car", "boat", "train", "tree", "flower", "sea", "sky", "sun", "moon", "rain", "snow", "fire", "city", "street", "forest", "mountain", "river", "beach", "room", "window", "light", "dark", "red", "blue", "green", "yellow", "white", "black", "walks", "runs", "flies", "swims", "sits", "stands", "turns", "looks", "camera", "pans", "zooms"]
TEXT_DIM = 32


def build_tokenizer():
    """A word-level tokenizer over a small English vocabulary, built offline."""
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {word: i for i, word in enumerate(["<pad>", "</s>", "<unk>", *WORDS])}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.normalizer = normalizers.Lowercase()
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, pad_token="<pad>", eos_token="</s>", unk_token="<unk>"
    )


def build_t5(umt5: bool = False):
    from transformers import T5Config, T5EncoderModel, UMT5Config, UMT5EncoderModel

    torch.manual_seed(0)
    config = (UMT5Config if umt5 else T5Config)(
        vocab_size=len(WORDS) + 3, d_model=TEXT_DIM, d_kv=8, d_ff=37, num_layers=1, num_heads=4,
        relative_attention_num_buckets=8, pad_token_id=0, eos_token_id=1, decoder_start_token_id=0,
    )
    return (UMT5EncoderModel if umt5 else T5EncoderModel)(config).eval()


def _wan_vae():
    from diffusers import AutoencoderKLWan

    torch.manual_seed(0)
    return AutoencoderKLWan(
        base_dim=3, z_dim=16, dim_mult=[1, 1, 1, 1], num_res_blocks=1,
        temperal_downsample=[False, True, True],
    )


def _wan_transformer_kwargs(**extra):
    kwargs = {
        "patch_size": (1, 2, 2), "num_attention_heads": 2, "attention_head_dim": 12, "in_channels": 16,
        "out_channels": 16, "text_dim": TEXT_DIM, "freq_dim": 256, "ffn_dim": 32, "num_layers": 2,
        "cross_attn_norm": True, "qk_norm": "rms_norm_across_heads", "rope_max_seq_len": 32,
    }
    kwargs.update(extra)
    return kwargs


def _flow_scheduler():
    from diffusers import FlowMatchEulerDiscreteScheduler

    return FlowMatchEulerDiscreteScheduler(shift=7.0)


def _save(pipe, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    pipe.save_pretrained(str(folder), safe_serialization=True)
    return folder


def build_tiny_wan(folder: Path) -> Path:
    from diffusers import WanPipeline, WanTransformer3DModel

    torch.manual_seed(0)
    transformer = WanTransformer3DModel(**_wan_transformer_kwargs())
    pipe = WanPipeline(
        tokenizer=build_tokenizer(), text_encoder=build_t5(umt5=True), vae=_wan_vae(),
        scheduler=_flow_scheduler(), transformer=transformer,
    )
    return _save(pipe, Path(folder))


def build_tiny_wan_vace(folder: Path) -> Path:
    from diffusers import WanVACEPipeline, WanVACETransformer3DModel

    torch.manual_seed(0)
    # VACE control input: video latents (16) + reactive latents (16) + 8x8 mask (64).
    transformer = WanVACETransformer3DModel(
        **_wan_transformer_kwargs(num_layers=3), vace_layers=[0, 2], vace_in_channels=96
    )
    pipe = WanVACEPipeline(
        tokenizer=build_tokenizer(), text_encoder=build_t5(umt5=True), vae=_wan_vae(),
        scheduler=_flow_scheduler(), transformer=transformer,
    )
    return _save(pipe, Path(folder))


def build_tiny_wan_vace_minilm(folder: Path) -> Path:
    """A demo-shaped folder: no text encoder of its own; the studio supplies MiniLM (384 wide)."""
    import json

    from diffusers import WanVACEPipeline, WanVACETransformer3DModel

    torch.manual_seed(0)
    transformer = WanVACETransformer3DModel(
        **_wan_transformer_kwargs(num_layers=3, text_dim=384), vace_layers=[0, 2], vace_in_channels=96
    )
    pipe = WanVACEPipeline(
        tokenizer=None, text_encoder=None, vae=_wan_vae(), scheduler=_flow_scheduler(),
        transformer=transformer,
    )
    folder = _save(pipe, Path(folder))
    stand_ins = {"text_encoder": "minilm", "tokenizer": "minilm"}
    (folder / "studio_components.json").write_text(json.dumps(stand_ins))
    return folder


def build_tiny_wan_i2v(folder: Path, first_and_last: bool = False) -> Path:
    """Wan 2.1 image-to-video; `first_and_last` makes it an FLF2V-shaped checkpoint."""
    from diffusers import WanImageToVideoPipeline, WanTransformer3DModel
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModel

    torch.manual_seed(0)
    extra = {"pos_embed_seq_len": 2 * 257} if first_and_last else {}
    # 16 noise channels + 16 image-latent channels + 4 mask channels.
    transformer = WanTransformer3DModel(**_wan_transformer_kwargs(in_channels=36, image_dim=4, **extra))
    torch.manual_seed(0)
    encoder = CLIPVisionModel(
        CLIPVisionConfig(
            hidden_size=4, num_hidden_layers=2, num_attention_heads=2,
            image_size=16, intermediate_size=16, patch_size=1,
        )
    ).eval()
    pipe = WanImageToVideoPipeline(
        tokenizer=build_tokenizer(), text_encoder=build_t5(umt5=True), vae=_wan_vae(),
        scheduler=_flow_scheduler(), transformer=transformer, image_encoder=encoder,
        image_processor=CLIPImageProcessor(crop_size=16, size=16),
    )
    return _save(pipe, Path(folder))


def build_tiny_ltx(folder: Path) -> Path:
    from diffusers import AutoencoderKLLTXVideo, LTXConditionPipeline, LTXVideoTransformer3DModel

    torch.manual_seed(0)
    transformer = LTXVideoTransformer3DModel(
        in_channels=8, out_channels=8, patch_size=1, patch_size_t=1, num_attention_heads=4,
        attention_head_dim=8, cross_attention_dim=32, num_layers=2, caption_channels=TEXT_DIM,
    )
    torch.manual_seed(0)
    vae = AutoencoderKLLTXVideo(
        in_channels=3, out_channels=3, latent_channels=8, block_out_channels=(8, 8, 8, 8),
        decoder_block_out_channels=(8, 8, 8, 8), layers_per_block=(1, 1, 1, 1, 1),
        decoder_layers_per_block=(1, 1, 1, 1, 1), spatio_temporal_scaling=(True, True, False, False),
        decoder_spatio_temporal_scaling=(True, True, False, False),
        decoder_inject_noise=(False, False, False, False, False),
        upsample_residual=(False, False, False, False), upsample_factor=(1, 1, 1, 1),
        timestep_conditioning=False, patch_size=1, patch_size_t=1, encoder_causal=True,
        decoder_causal=False,
    )
    pipe = LTXConditionPipeline(
        tokenizer=build_tokenizer(), text_encoder=build_t5(), vae=vae,
        scheduler=_flow_scheduler(), transformer=transformer,
    )
    return _save(pipe, Path(folder))


def _cog_parts(in_channels: int):
    from diffusers import (
        AutoencoderKLCogVideoX,
        CogVideoXDDIMScheduler,
        CogVideoXTransformer3DModel,
    )

    torch.manual_seed(0)
    transformer = CogVideoXTransformer3DModel(
        num_attention_heads=2, attention_head_dim=16, in_channels=in_channels, out_channels=4,
        time_embed_dim=2, text_embed_dim=TEXT_DIM, num_layers=2, sample_width=2, sample_height=2,
        sample_frames=9, patch_size=2, temporal_compression_ratio=4, max_text_seq_length=226,
        use_rotary_positional_embeddings=True,
    )
    torch.manual_seed(0)
    vae = AutoencoderKLCogVideoX(
        in_channels=3, out_channels=3,
        down_block_types=("CogVideoXDownBlock3D",) * 4, up_block_types=("CogVideoXUpBlock3D",) * 4,
        block_out_channels=(8, 8, 8, 8), latent_channels=4, layers_per_block=1,
        norm_num_groups=2, temporal_compression_ratio=4,
    )
    return {
        "tokenizer": build_tokenizer(), "text_encoder": build_t5(), "vae": vae,
        "scheduler": CogVideoXDDIMScheduler(), "transformer": transformer,
    }


def build_tiny_cogvideox(folder: Path) -> Path:
    from diffusers import CogVideoXPipeline

    return _save(CogVideoXPipeline(**_cog_parts(4)), Path(folder))


def build_tiny_cogvideox_i2v(folder: Path) -> Path:
    from diffusers import CogVideoXImageToVideoPipeline

    return _save(CogVideoXImageToVideoPipeline(**_cog_parts(8)), Path(folder))


BUILDERS = {
    "wan": build_tiny_wan,
    "wan_vace": build_tiny_wan_vace,
    "wan_vace_minilm": build_tiny_wan_vace_minilm,
    "wan_i2v": build_tiny_wan_i2v,
    "wan_flf2v": lambda folder: build_tiny_wan_i2v(folder, first_and_last=True),
    "ltx": build_tiny_ltx,
    "cogvideox": build_tiny_cogvideox,
    "cogvideox_i2v": build_tiny_cogvideox_i2v,
}


def build_tiny(kind: str, root: Path) -> Path:
    """Build the tiny model `kind` (a key of BUILDERS) under root/kind, once per root."""
    folder = Path(root) / kind
    if (folder / "model_index.json").is_file():
        return folder
    return BUILDERS[kind](folder)

"""The VACE conditioning exactly as `WanVACEPipeline` builds it, batched for training.

The pipeline turns `video` + `mask` into `control_hidden_states` in two steps:
`prepare_video_latents` (inactive = video * (1 - mask) and reactive = video * mask, each
VAE-encoded with the posterior mode and normalised by the VAE's latents_mean / latents_std) and
`prepare_masks` (the first mask channel folded by the VAE's spatial stride into stride**2
channels, then resized in time with "nearest-exact" to the latent frame count). Training builds
the same tensor from the same formulas so that a model driven by the stock pipeline sees what it
was trained on; tests/demo checks this against the pipeline's own methods.
"""

from __future__ import annotations

import logging

import torch
import torch.nn.functional as F
from diffusers import AutoencoderKLWan

log = logging.getLogger(__name__)


def compression(vae: AutoencoderKLWan) -> tuple[int, int]:
    """(spatial, temporal) factors of a Wan VAE, as WanVACEPipeline computes them."""
    downsample = vae.config.temperal_downsample
    return 2 ** len(downsample), 2 ** sum(bool(d) for d in downsample)


def normalise(vae: AutoencoderKLWan, latents: torch.Tensor) -> torch.Tensor:
    """Raw VAE latents -> the transformer's latent space (the pipeline's normalisation)."""
    z = vae.config.z_dim
    mean = torch.tensor(vae.config.latents_mean, device=latents.device, dtype=torch.float32).view(
        1, z, 1, 1, 1
    )
    inv_std = 1.0 / torch.tensor(
        vae.config.latents_std, device=latents.device, dtype=torch.float32
    ).view(1, z, 1, 1, 1)
    return (latents.float() - mean) * inv_std


def encode(vae: AutoencoderKLWan, video: torch.Tensor) -> torch.Tensor:
    """Normalised posterior-mode latents of videos in [-1, 1], (B, 3, F, H, W) -> (B, z, f, h, w)."""
    return normalise(vae, vae.encode(video.to(vae.dtype)).latent_dist.mode())


def fold_mask(mask: torch.Tensor, spatial: int, patch: int, temporal: int) -> torch.Tensor:
    """Pixel mask (B, C, F, H, W) in [0, 1] -> (B, spatial**2, ceil(F / temporal), h, w), as prepare_masks."""
    b, _, frames, height, width = mask.shape
    new_frames = (frames + temporal - 1) // temporal
    new_h = height // (spatial * patch) * patch
    new_w = width // (spatial * patch) * patch
    m = mask[:, 0].reshape(b, frames, new_h, spatial, new_w, spatial)
    m = m.permute(0, 3, 5, 1, 2, 4).flatten(1, 2)  # (B, spatial*spatial, F, h, w)
    return F.interpolate(m, size=(new_frames, new_h, new_w), mode="nearest-exact")


def control_latents(
    vae: AutoencoderKLWan,
    video: torch.Tensor,
    mask: torch.Tensor,
    spatial: int,
    patch: int,
    temporal: int,
) -> torch.Tensor:
    """`control_hidden_states` for videos in [-1, 1] and masks in [0, 1] (1 = generate), no reference images."""
    mask = torch.where(mask > 0.5, 1.0, 0.0).to(video.dtype)
    inactive = encode(vae, video * (1 - mask))
    reactive = encode(vae, video * mask)
    folded = fold_mask(mask, spatial, patch, temporal).to(inactive.dtype)
    return torch.cat([inactive, reactive, folded], dim=1)


def reference_slot(
    vae: AutoencoderKLWan, images: torch.Tensor, mask_channels: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """One reference image per sample, laid out as the pipeline lays `reference_images` before
    the conditioning: images (B, 3, H, W) in [-1, 1] -> (the image's latent, coded alone as a
    first frame, (B, z, 1, h, w); its control slot (B, 2z + mask_channels, 1, h, w): that latent,
    zeros for the reactive half and a zero (kept) mask). The pipeline denoises the slot with the
    video's latents and drops it before decoding; training's target there is the latent."""
    latent = encode(vae, images[:, :, None])
    empty = latent.new_zeros(latent.shape[0], latent.shape[1] + mask_channels, *latent.shape[2:])
    return latent, torch.cat([latent, empty], dim=1)


def frame_mask(generate: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Per-frame flags (B, F) with 1 = generate, 0 = pinned -> a pixel mask (B, 3, F, H, W)."""
    b, frames = generate.shape
    return (
        generate.float().view(b, 1, frames, 1, 1).expand(b, 3, frames, height, width).contiguous()
    )

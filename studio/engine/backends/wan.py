"""Wan 2.1 / 2.2 text-to-video (`WanPipeline`): no pins."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from studio.engine.backends.base import Backend, postprocess
from studio.engine.request import GenerationRequest


class WanLatentsMixin:
    """Wan's latent space: [B, 16, F, h, w], normalised by the VAE's per-channel mean and std."""

    def _stats(self, pipe: Any, like: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        config = pipe.vae.config
        shape = (1, config.z_dim, 1, 1, 1)
        mean = torch.tensor(config.latents_mean).view(shape).to(like.device, like.dtype)
        std = torch.tensor(config.latents_std).view(shape).to(like.device, like.dtype)
        return mean, std

    def decode(self, pipe: Any, latents: torch.Tensor, request: GenerationRequest) -> np.ndarray:
        vae = pipe.vae
        latents = latents.to(device=pipe._execution_device, dtype=vae.dtype)
        mean, std = self._stats(pipe, latents)
        video = vae.decode(latents * std + mean, return_dict=False)[0]
        return postprocess(pipe, video)

    def normalized_latents(self, pipe: Any, raw: torch.Tensor) -> torch.Tensor:
        mean, std = self._stats(pipe, raw)
        return (raw - mean) / std


class WanBackend(WanLatentsMixin, Backend):
    pipeline_name = "WanPipeline"


BACKEND = WanBackend

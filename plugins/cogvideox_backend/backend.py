"""CogVideoX text-to-video (`CogVideoXPipeline`) and image-to-video (`CogVideoXImageToVideoPipeline`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from studio.engine.backends.base import Backend, pin_images, postprocess
from studio.engine.request import GenerationRequest


class CogVideoXBackend(Backend):
    """Latents are [B, F, C, h, w], scaled by the VAE's scaling factor."""

    pipeline_name = "CogVideoXPipeline"

    def preview_latents(self, pipe: Any, latents: torch.Tensor, request: GenerationRequest) -> torch.Tensor:
        return latents[0].permute(1, 0, 2, 3)

    def normalized_latents(self, pipe: Any, raw: torch.Tensor) -> torch.Tensor:
        return raw * pipe.vae.config.scaling_factor

    def decode(self, pipe: Any, latents: torch.Tensor, request: GenerationRequest) -> np.ndarray:
        # CogVideoX 1.5 pads the latent frames at the start to a multiple of its temporal
        # patch; the pipeline drops them before its own decode, so we do too.
        wanted = (request.frames - 1) // pipe.vae_scale_factor_temporal + 1
        latents = latents[:, max(latents.shape[1] - wanted, 0) :]
        latents = latents.to(device=pipe._execution_device, dtype=pipe.vae.dtype)
        return postprocess(pipe, pipe.decode_latents(latents))


class CogVideoXImageBackend(CogVideoXBackend):
    pipeline_name = "CogVideoXImageToVideoPipeline"

    def call_kwargs(self, pipe: Any, request: GenerationRequest) -> dict[str, Any]:
        return {"image": pin_images(request.pins[0], request.width, request.height)[0]}


# `Family.backend` names a module, and `:text` / `:image` which class in it to use.
text = CogVideoXBackend
image = CogVideoXImageBackend

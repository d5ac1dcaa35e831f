"""LTX-Video (`LTXConditionPipeline`): every mode, through conditions at frame indices.

LTX encodes a conditioning clip only in spans of 8k+1 frames (the VAE's temporal stride), so
a longer pinned span keeps the 8k+1 frames nearest the new frames and says so.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from studio.engine.backends.base import Backend, pin_images, postprocess
from studio.engine.request import GenerationRequest, Pin

# LTX 0.9.1+ VAEs denoise a little while decoding; these are the values its authors use.
DECODE_TIMESTEP = 0.05
DECODE_NOISE = 0.025


class LTXBackend(Backend):
    pipeline_name = "LTXConditionPipeline"

    def _span(self, pin: Pin, frames: int) -> tuple[int, int, int]:
        """(first pin frame used, how many, frame index in the window)."""
        stride = self.info.rule.temporal
        usable = (pin.count - 1) // stride * stride + 1
        if pin.at_frame == 0 and pin.end < frames:  # leading span: keep its tail
            skip = pin.count - usable
            return skip, usable, pin.at_frame + skip
        return 0, usable, pin.at_frame

    def call_kwargs(self, pipe: Any, request: GenerationRequest) -> dict[str, Any]:
        from diffusers.pipelines.ltx.pipeline_ltx_condition import LTXVideoCondition

        kwargs: dict[str, Any] = {"frame_rate": float(request.fps)}
        if pipe.vae.config.timestep_conditioning:
            kwargs.update(decode_timestep=DECODE_TIMESTEP, decode_noise_scale=DECODE_NOISE)
        conditions = []
        for pin in request.pins:
            first, count, index = self._span(pin, request.frames)
            images = pin_images(pin, request.width, request.height)[first : first + count]
            if count == 1:
                conditions.append(LTXVideoCondition(image=images[0], frame_index=index))
            else:
                conditions.append(LTXVideoCondition(video=images, frame_index=index))
        if conditions:
            kwargs["conditions"] = conditions
        return kwargs

    def notes(self, request: GenerationRequest) -> list[str]:
        notes = []
        for pin in request.pins:
            _, count, _ = self._span(pin, request.frames)
            if count != pin.count:
                notes.append(
                    f"LTX pins spans of {self.info.rule.temporal}k+1 frames, so {count} of the "
                    f"{pin.count} frames pinned at frame {pin.at_frame} guided the shot"
                )
        return notes

    def _grid(self, pipe: Any, request: GenerationRequest) -> tuple[int, int, int]:
        frames = (request.frames - 1) // pipe.vae_temporal_compression_ratio + 1
        return (
            frames,
            request.height // pipe.vae_spatial_compression_ratio,
            request.width // pipe.vae_spatial_compression_ratio,
        )

    def preview_latents(self, pipe: Any, latents: torch.Tensor, request: GenerationRequest) -> torch.Tensor:
        # In the loop LTX latents are packed tokens [B, tokens, C], with the tokens of any
        # extra conditions first; the video's own tokens are the last ones.
        frames, height, width = self._grid(pipe, request)
        p, pt = pipe.transformer_spatial_patch_size, pipe.transformer_temporal_patch_size
        count = (frames // pt) * (height // p) * (width // p)
        video = latents[:, -count:]
        return pipe._unpack_latents(video, frames, height, width, p, pt)[0]

    def normalized_latents(self, pipe: Any, raw: torch.Tensor) -> torch.Tensor:
        vae = pipe.vae
        return pipe._normalize_latents(raw, vae.latents_mean, vae.latents_std, vae.config.scaling_factor)

    def decode(self, pipe: Any, latents: torch.Tensor, request: GenerationRequest) -> np.ndarray:
        vae = pipe.vae
        latents = latents.to(device=pipe._execution_device, dtype=vae.dtype)
        latents = pipe._denormalize_latents(
            latents, vae.latents_mean, vae.latents_std, vae.config.scaling_factor
        )
        timestep = None
        if vae.config.timestep_conditioning:
            generator = torch.Generator("cpu").manual_seed(request.seed)
            noise = torch.randn(latents.shape, generator=generator).to(latents.device, latents.dtype)
            latents = (1 - DECODE_NOISE) * latents + DECODE_NOISE * noise
            timestep = torch.tensor([DECODE_TIMESTEP], device=latents.device, dtype=latents.dtype)
        video = vae.decode(latents, timestep, return_dict=False)[0]
        return postprocess(pipe, video)


BACKEND = LTXBackend

"""What every family backend does: turn a request into pipeline inputs, and latents into frames.

The runner calls a pipeline with `output_type="latent"` and decodes here, so latents can be
saved before the decode and a decode that runs out of memory can be retried with VAE tiling.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import torch
from PIL import Image

from studio.engine.families import ModelInfo
from studio.engine.request import GenerationRequest, Pin

log = logging.getLogger(__name__)

GRAY = 128  # "nothing known here" in conditioning videos: 0 in the [-1, 1] pixel range


class Backend(ABC):
    """One model family over its diffusers pipeline."""

    pipeline_name: str = ""  # the diffusers class used to load and run

    def __init__(self, info: ModelInfo) -> None:
        self.info = info

    def pipeline_class(self) -> type:
        import diffusers

        return getattr(diffusers, self.pipeline_name)

    def call_kwargs(self, pipe: Any, request: GenerationRequest) -> dict[str, Any]:
        """Pipeline arguments for the pins and anything family-specific."""
        return {}

    def notes(self, request: GenerationRequest) -> list[str]:
        """Things the user should know about how this family took the request."""
        return []

    @abstractmethod
    def decode(self, pipe: Any, latents: torch.Tensor, request: GenerationRequest) -> np.ndarray:
        """Latents from `output_type="latent"` -> float frames [T, H, W, 3] in [0, 1]."""

    def trim_latents(self, latents: torch.Tensor, request: GenerationRequest) -> torch.Tensor:
        """The pipeline's `output_type="latent"` output -> the latents of the request's frames
        (a family whose pipeline adds slots of its own drops them here)."""
        return latents

    def preview_latents(
        self, pipe: Any, latents: torch.Tensor, request: GenerationRequest
    ) -> torch.Tensor:
        """Latents as seen in the step callback -> [C, F, h, w] for the preview map."""
        return latents[0]

    def normalized_latents(self, pipe: Any, raw: torch.Tensor) -> torch.Tensor:
        """VAE-encoder output -> the latent space the denoising loop works in (for previews)."""
        return raw

    def encode_for_preview(self, pipe: Any, pixels: torch.Tensor) -> torch.Tensor:
        """pixels [1, 3, 1, H, W] in [-1, 1] -> loop-space latents [C, h, w]."""
        vae = pipe.vae
        pixels = pixels.to(device=pipe._execution_device, dtype=vae.dtype)  # offload hooks move the VAE there
        dist = vae.encode(pixels).latent_dist
        return self.normalized_latents(pipe, dist.mode().float())[0, :, 0]


def pin_images(pin: Pin, width: int, height: int) -> list[Image.Image]:
    """A pin's frames as PIL images of exactly width x height (cover, then centre crop)."""
    return [fit_image(frame, width, height) for frame in pin.frames]


def fit_image(frame: np.ndarray, width: int, height: int) -> Image.Image:
    image = Image.fromarray(np.ascontiguousarray(frame))
    if image.size == (width, height):
        return image
    scale = max(width / image.width, height / image.height)
    size = (max(width, round(image.width * scale)), max(height, round(image.height * scale)))
    image = image.resize(size, Image.Resampling.LANCZOS)
    left = (image.width - width) // 2
    top = (image.height - height) // 2
    return image.crop((left, top, left + width, top + height))


def postprocess(pipe: Any, video: torch.Tensor) -> np.ndarray:
    """VAE output [1, 3, T, H, W] in [-1, 1] -> [T, H, W, 3] float32 in [0, 1]."""
    frames = pipe.video_processor.postprocess_video(video.float(), output_type="np")
    return np.asarray(frames[0], dtype=np.float32)

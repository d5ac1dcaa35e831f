"""Wan VACE (`WanVACEPipeline`): every mode, through a conditioning video and a mask.

Pinned frames go into the conditioning video where they sit, with the mask black (keep);
every other frame is mid-grey with the mask white (generate). Extending backward with a model
whose folder says it was trained so (`extend_back_reference`), the clip's first frame also goes
in as a reference image: the causal VAE codes pins that follow empty frames by little more than
their brightness, while an image coded alone keeps its colours. The pipeline puts a reference
image's latent before the video's and, asked for latents, returns that slot too; it is dropped
before anything else sees the latents.
"""

from __future__ import annotations

from typing import Any

import torch
from PIL import Image

from studio.core.model import Mode
from studio.engine.backends.base import GRAY, Backend, pin_images
from studio.engine.backends.wan import WanLatentsMixin
from studio.engine.request import GenerationRequest


class WanVACEBackend(WanLatentsMixin, Backend):
    pipeline_name = "WanVACEPipeline"

    def _takes_reference(self, request: GenerationRequest) -> bool:
        return self.info.extend_back_reference and request.mode is Mode.EXTEND_BACKWARD

    def call_kwargs(self, pipe: Any, request: GenerationRequest) -> dict[str, Any]:
        if not request.pins:
            return {}
        size = (request.width, request.height)
        video = [Image.new("RGB", size, (GRAY, GRAY, GRAY)) for _ in range(request.frames)]
        mask = [Image.new("L", size, 255) for _ in range(request.frames)]
        for pin in request.pins:
            for offset, image in enumerate(pin_images(pin, *size)):
                video[pin.at_frame + offset] = image
                mask[pin.at_frame + offset] = Image.new("L", size, 0)
        kwargs: dict[str, Any] = {"video": video, "mask": [m.convert("RGB") for m in mask]}
        if self._takes_reference(request):
            kwargs["reference_images"] = [video[request.pins[0].at_frame]]
        return kwargs

    def trim_latents(self, latents: torch.Tensor, request: GenerationRequest) -> torch.Tensor:
        return latents[:, :, 1:] if self._takes_reference(request) else latents

    def preview_latents(
        self, pipe: Any, latents: torch.Tensor, request: GenerationRequest
    ) -> torch.Tensor:
        return self.trim_latents(latents, request)[0]


BACKEND = WanVACEBackend

"""Wan VACE (`WanVACEPipeline`): every mode, through a conditioning video and a mask.

Pinned frames go into the conditioning video where they sit, with the mask black (keep);
every other frame is mid-grey with the mask white (generate).
"""

from __future__ import annotations

from typing import Any

from PIL import Image

from studio.engine.backends.base import GRAY, Backend, pin_images
from studio.engine.backends.wan import WanLatentsMixin
from studio.engine.request import GenerationRequest


class WanVACEBackend(WanLatentsMixin, Backend):
    pipeline_name = "WanVACEPipeline"

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
        return {"video": video, "mask": [m.convert("RGB") for m in mask]}


BACKEND = WanVACEBackend

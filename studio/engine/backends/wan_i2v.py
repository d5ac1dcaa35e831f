"""Wan image-to-video (`WanImageToVideoPipeline`): the first frame, and the last on FLF2V models."""

from __future__ import annotations

from typing import Any

from studio.engine.backends.base import Backend, pin_images
from studio.engine.backends.wan import WanLatentsMixin
from studio.engine.request import GenerationRequest


class WanImageBackend(WanLatentsMixin, Backend):
    pipeline_name = "WanImageToVideoPipeline"

    def call_kwargs(self, pipe: Any, request: GenerationRequest) -> dict[str, Any]:
        size = (request.width, request.height)
        first = request.pins[0]
        kwargs: dict[str, Any] = {"image": pin_images(first, *size)[0]}
        if len(request.pins) == 2:
            kwargs["last_image"] = pin_images(request.pins[1], *size)[0]
        return kwargs


BACKEND = WanImageBackend

"""One backend per model family; `backend_for(info)` picks it from the model's family."""

from __future__ import annotations

import importlib

from studio.engine.families import ModelInfo


def backend_for(info: ModelInfo):
    """The Backend instance for a model (imports torch and diffusers)."""
    module = importlib.import_module(info.family.backend_module)
    return module.BACKEND(info)

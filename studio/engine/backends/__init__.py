"""One backend per model family; `backend_for(info)` picks it from the model's family."""

from __future__ import annotations

import importlib

from studio.engine.families import ModelInfo


def backend_for(info: ModelInfo):
    """The Backend instance for a model (imports torch and diffusers).

    `Family.backend_module` is a module holding `BACKEND`, or `module:attr` naming the
    Backend class itself (how plugin families point at theirs).
    """
    module_name, _, attr = info.family.backend_module.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attr or "BACKEND")(info)

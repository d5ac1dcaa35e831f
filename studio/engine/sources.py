"""Where models come from: the bundled demo, the user's models folder, a path, the HF cache.

A model is named by what a user types: `demo`, the name of a folder in the models folder, a
path to a diffusers folder, or a Hugging Face repo id already in the local cache. Nothing is
downloaded here (offline by default); `studio models pull` does that explicitly.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import BadInput, StudioError
from studio.engine.families import ModelInfo, inspect_model

log = logging.getLogger(__name__)

DEMO_ID = "demo"
MODELS_ENV = "STUDIO_MODELS_DIR"


def demo_path() -> Path:
    from studio.core.resources import assets_dir

    return assets_dir() / "models" / "demo"


def models_folder() -> Path:
    """The user's models folder: `STUDIO_MODELS_DIR`, else the studio's data folder."""
    value = os.environ.get(MODELS_ENV, "").strip()
    if value:
        return Path(value).expanduser()
    from studio.core.paths import models_dir

    return models_dir()


@dataclass(frozen=True)
class ModelListing:
    """One model found by `list_models`; `info` is None when the folder cannot be used."""

    id: str
    path: Path
    source: str
    info: ModelInfo | None
    problem: str = ""


def resolve_model(model: str) -> ModelInfo:
    """The model a user named, inspected; BadInput naming where we looked when not found."""
    name = model.strip()
    if name == DEMO_ID:
        path = demo_path()
        if not (path / "model_index.json").is_file():
            raise BadInput(
                f"the demo model is not installed ({path} is empty); reinstall the studio"
            )
        return inspect_model(path, DEMO_ID, "demo")
    candidate = Path(name).expanduser()
    if candidate.is_dir():
        return inspect_model(candidate.resolve(), name, "path")
    if os.sep in name and candidate.is_absolute():
        raise BadInput(f"there is no model folder at {name}")
    folder = models_folder() / name
    if name and (folder / "model_index.json").is_file():
        return inspect_model(folder, name, "models folder")
    cached = hf_cache_path(name)
    if cached is not None:
        return inspect_model(cached, name, "hugging face cache")
    raise BadInput(
        f"no model named {name!r}: it is not `demo`, a folder, a folder in {models_folder()}, "
        "or a Hugging Face repo in the local cache (see `studio models`)"
    )


def hf_cache_path(repo_id: str) -> Path | None:
    """The snapshot folder of a diffusers repo in the local Hugging Face cache, if there."""
    if repo_id.count("/") != 1:
        return None
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    found = try_to_load_from_cache(repo_id, "model_index.json")
    if isinstance(found, str):
        return Path(found).parent
    return None


def list_models() -> list[ModelListing]:
    """Every model the studio can see, usable ones with their info, broken ones with why."""
    found: list[ModelListing] = []
    if (demo_path() / "model_index.json").is_file():
        found.append(_listing(DEMO_ID, demo_path(), "demo"))
    folder = models_folder()
    if folder.is_dir():
        for child in sorted(folder.iterdir()):
            if child.is_dir() and (child / "model_index.json").is_file():
                found.append(_listing(child.name, child, "models folder"))
    found.extend(_hf_cache_listings())
    return found


def _listing(model_id: str, path: Path, source: str) -> ModelListing:
    try:
        return ModelListing(model_id, path, source, inspect_model(path, model_id, source))
    except StudioError as exc:
        return ModelListing(model_id, path, source, None, str(exc))


def _hf_cache_listings() -> list[ModelListing]:
    """Diffusers repos in the local Hugging Face cache (folders named models--ORG--NAME)."""
    try:
        from huggingface_hub import constants
    except ImportError:
        return []
    cache = Path(constants.HF_HUB_CACHE)
    if not cache.is_dir():
        return []
    listings = []
    for folder in sorted(cache.glob("models--*--*")):
        repo_id = folder.name.removeprefix("models--").replace("--", "/", 1)
        path = hf_cache_path(repo_id)
        if path is not None:
            listings.append(_listing(repo_id, path, "hugging face cache"))
    return listings

"""A take's recipe: the request as run, the model's weights fingerprint, the library versions.

The same recipe on the same machine makes the same frames: the seed drives a CPU
`torch.Generator`, so the starting noise does not depend on the GPU.
"""

from __future__ import annotations

import json
import platform
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

from studio.core.atomic import write_atomic
from studio.core.errors import BadInput
from studio.core.model import Mode, PinRecord, Recipe
from studio.core.timecode import parse_rate, rate_text
from studio.engine.families import ModelInfo
from studio.engine.memory import MemoryPlan
from studio.engine.request import GenerationRequest

LIBRARIES = ("studio", "torch", "diffusers", "transformers", "numpy", "safetensors")
RECIPE_FORMAT = "studio.recipe"


def library_versions() -> tuple[tuple[str, str], ...]:
    versions = [("python", platform.python_version())]
    for name in LIBRARIES:
        try:
            versions.append((name, importlib_metadata.version(name)))
        except importlib_metadata.PackageNotFoundError:
            continue
    return tuple(sorted(versions))


def build_recipe(
    request: GenerationRequest,
    info: ModelInfo,
    weights_hash: str,
    plan: MemoryPlan,
    *,
    mode: Mode | None = None,
    **extra: Any,
) -> Recipe:
    """The recipe for `request` as it ran (after any rounding) on `info` under `plan`."""
    settings: dict[str, Any] = {
        "family": info.family.name,
        "device": plan.device,
        "dtype": plan.dtype,
        "step_cache": plan.step_cache,
        "trim_pins": request.trim_pins,
    }
    if request.window:
        settings.update(window=request.window, overlap=request.overlap)
    if request.plan_overrides:
        settings["plan_overrides"] = request.plan_overrides
    settings.update(extra)
    return Recipe(
        model=request.model,
        weights_hash=weights_hash,
        mode=mode or request.mode,  # what the user asked for, even if pins were adapted
        prompt=request.prompt,
        negative_prompt=request.negative_prompt,
        width=request.width,
        height=request.height,
        frames=request.frames,
        fps=request.fps,
        steps=request.steps,
        guidance=request.guidance,
        seed=request.seed,
        preset=request.preset,
        pins=tuple(pin.record() for pin in request.pins),
        versions=library_versions(),
        extra=tuple(sorted(settings.items())),
    )


def recipe_to_dict(recipe: Recipe) -> dict[str, Any]:
    """The recipe as JSON data, in the same shape a project file stores it."""
    return {
        "model": recipe.model,
        "weights_hash": recipe.weights_hash,
        "mode": recipe.mode.value,
        "prompt": recipe.prompt,
        "negative_prompt": recipe.negative_prompt,
        "width": recipe.width,
        "height": recipe.height,
        "frames": recipe.frames,
        "fps": rate_text(recipe.fps),
        "steps": recipe.steps,
        "guidance": recipe.guidance,
        "seed": recipe.seed,
        "preset": recipe.preset,
        "pins": [
            {"at_frame": p.at_frame, "count": p.count, "sha256": p.sha256, "source": p.source}
            for p in recipe.pins
        ],
        "versions": [list(pair) for pair in recipe.versions],
        "extra": [[key, value] for key, value in recipe.extra],
    }


def recipe_from_dict(data: dict[str, Any]) -> Recipe:
    return Recipe(
        model=str(data["model"]),
        weights_hash=str(data.get("weights_hash", "")),
        mode=Mode(data["mode"]),
        prompt=str(data.get("prompt", "")),
        negative_prompt=str(data.get("negative_prompt", "")),
        width=int(data["width"]),
        height=int(data["height"]),
        frames=int(data["frames"]),
        fps=parse_rate(data["fps"]),
        steps=int(data["steps"]),
        guidance=float(data["guidance"]),
        seed=int(data["seed"]),
        preset=str(data.get("preset", "final")),
        pins=tuple(PinRecord(int(p["at_frame"]), int(p["count"]), str(p["sha256"]), str(p.get("source", "")))
                   for p in data.get("pins", [])),
        versions=tuple((str(a), str(b)) for a, b in data.get("versions", [])),
        extra=tuple((str(k), _frozen(v)) for k, v in data.get("extra", [])),
    )


def _frozen(value: Any) -> Any:
    """JSON lists and objects back to the hashable pairs a frozen Recipe holds."""
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    return value


def recipe_to_json(recipe: Recipe) -> str:
    return json.dumps({"format": RECIPE_FORMAT, "recipe": recipe_to_dict(recipe)}, indent=2)


def recipe_from_json(text: str) -> Recipe:
    try:
        data = json.loads(text)
        if data.get("format") != RECIPE_FORMAT:
            raise ValueError("it has no studio.recipe format tag")
        return recipe_from_dict(data["recipe"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise BadInput(f"this is not a studio recipe ({exc})") from None


def sidecar_path(video: Path) -> Path:
    return video.with_name(video.name + ".recipe.json")


def write_sidecar(video: Path, recipe: Recipe) -> Path:
    path = sidecar_path(video)
    write_atomic(path, recipe_to_json(recipe).encode("utf-8"))
    return path

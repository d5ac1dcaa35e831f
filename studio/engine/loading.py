"""Loading a model folder into a diffusers pipeline: safetensors only, never a pickle.

A pickle file (`.bin`, `.pt`, `.ckpt`, `.pth`) runs code when it is read, so a folder whose
weights exist only as pickles is refused before anything opens them; the check is ours, made
up front, and diffusers is also told `use_safetensors=True`.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

from studio.core.errors import BadInput, StudioError
from studio.engine.families import ModelInfo, read_json

log = logging.getLogger(__name__)

PICKLE_SUFFIXES = {".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle"}
# Components that hold no weights (configs and vocabularies only).
WEIGHTLESS = {"tokenizer", "tokenizer_2", "scheduler", "image_processor", "feature_extractor"}

_hash_cache: dict[tuple[str, int, float], str] = {}


def weight_components(path: Path) -> list[str]:
    """Component folders of a model that should hold weights."""
    index = read_json(path / "model_index.json")
    names = []
    for name, entry in index.items():
        if name.startswith("_") or name in WEIGHTLESS:
            continue
        if isinstance(entry, list) and len(entry) == 2 and entry[0] is not None and (path / name).is_dir():
            names.append(name)
    return names


def refuse_pickles(path: Path) -> None:
    """Raise BadInput if any weighted component has pickle weights and no safetensors."""
    for name in weight_components(path):
        folder = path / name
        files = [f for f in folder.rglob("*") if f.is_file()]
        safe = [f for f in files if f.suffix == ".safetensors"]
        pickles = [f for f in files if f.suffix in PICKLE_SUFFIXES]
        if pickles and not safe:
            raise BadInput(
                f"{path.name}/{name} has only pickle weights ({pickles[0].name}), which can run "
                "code when loaded; the studio loads .safetensors only, so convert the model or "
                "get its safetensors release"
            )
        if not safe and _needs_weights(folder):
            raise BadInput(
                f"{path.name}/{name} has no .safetensors weights; copy the whole model folder"
            )


def _needs_weights(folder: Path) -> bool:
    # A config-only folder is a model without weights; anything with a config is a model.
    return (folder / "config.json").is_file()


def parameter_counts(path: Path) -> dict[str, int]:
    """Parameters per weighted component, read from safetensors headers (no weights loaded)."""
    counts: dict[str, int] = {}
    for name in weight_components(path):
        total = 0
        for file in (path / name).rglob("*.safetensors"):
            with open(file, "rb") as handle:
                size = int.from_bytes(handle.read(8), "little")
                if size <= 0 or size > 100_000_000:
                    raise BadInput(f"{file} is not a safetensors file")
                try:
                    header = json.loads(handle.read(size))
                except json.JSONDecodeError:
                    raise BadInput(f"{file} has a damaged safetensors header") from None
            for key, entry in header.items():
                if key != "__metadata__":
                    numel = 1
                    for dim in entry.get("shape", []):
                        numel *= int(dim)
                    total += numel
        counts[name] = total
    return counts


def weights_hash(path: Path) -> str:
    """A fingerprint of the model's weights, for recipes: `fp1:` + sha256.

    Reading every byte of a 30 GB model would cost a minute per job, so each safetensors
    file contributes its header (every tensor's name, dtype, shape and offset) and 64 KiB
    samples at 32 evenly spaced places; any retrained or swapped weight changes it.
    """
    files = sorted(p for p in path.rglob("*.safetensors") if p.is_file())
    stats = [(str(p.relative_to(path)), p.stat().st_size, p.stat().st_mtime) for p in files]
    key = (str(path.resolve()), hash(tuple(stats)), 0.0)
    if key in _hash_cache:
        return _hash_cache[key]
    digest = hashlib.sha256()
    for file, (name, size, _) in zip(files, stats):
        digest.update(f"{name}\0{size}\0".encode())
        with open(file, "rb") as handle:
            head = handle.read(8)
            header_len = int.from_bytes(head, "little") if len(head) == 8 else 0
            digest.update(head + handle.read(min(header_len, 100_000_000)))
            for i in range(32):
                handle.seek(size * i // 32)
                digest.update(handle.read(65536))
    result = "fp1:" + digest.hexdigest()
    _hash_cache[key] = result
    return result


def load_pipeline(info: ModelInfo, pipeline_class: Any, dtype: Any, **components: Any) -> Any:
    """Load `info` as `pipeline_class` (a diffusers pipeline class) in `dtype`, offline."""
    refuse_pickles(info.path)
    stand_ins = dict(info.stand_ins)
    if stand_ins:
        components.update(_stand_in_components(stand_ins, dtype))
    log.info("loading %s (%s) from %s as %s", info.id, info.family.label, info.path, dtype)
    try:
        pipe = pipeline_class.from_pretrained(
            str(info.path),
            **{_dtype_argument(): dtype},
            use_safetensors=True,
            local_files_only=True,
            **components,
        )
    except (OSError, ValueError, json.JSONDecodeError) as exc:
        raise StudioError(f"the model {info.id} could not be loaded: {_first_line(exc)}") from exc
    pipe.set_progress_bar_config(disable=True)
    return pipe


def _dtype_argument() -> str:
    """diffusers 0.42 renamed `torch_dtype` to `dtype`; older releases know only the first."""
    from diffusers.pipelines import pipeline_utils

    return "dtype" if hasattr(pipeline_utils, "_resolve_dtype") else "torch_dtype"


def _stand_in_components(stand_ins: dict[str, str], dtype: Any) -> dict[str, Any]:
    wanted = set(stand_ins.values())
    if wanted != {"minilm"}:
        raise BadInput(f"the model asks for components the studio cannot supply: {sorted(wanted)}")
    from studio.engine.minilm import load_minilm

    tokenizer, encoder = load_minilm(dtype=dtype)
    supplied = {"tokenizer": tokenizer, "text_encoder": encoder}
    return {name: supplied[name] for name in stand_ins if name in supplied}


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__

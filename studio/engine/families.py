"""Model families: which diffusers pipeline a folder holds, what it can pin, what sizes it takes.

Everything here reads JSON files only (model_index.json and component configs), so listing
models and checking a request against a model costs no torch import and no weights.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Any

from studio.core.errors import BadInput
from studio.core.model import Mode

log = logging.getLogger(__name__)

# A demo-style folder may leave components out of model_index.json (null) and name a
# stand-in here, supplied by the studio itself (see studio.engine.minilm).
STUDIO_COMPONENTS_FILE = "studio_components.json"
# Optional: the window a model was trained at (see NativeWindow), and the number of tokens its
# prompts were padded to in training when not the pipeline's default ("prompt_tokens").
STUDIO_DEFAULTS_FILE = "studio_defaults.json"
KNOWN_STAND_INS = {"minilm"}


class PinSupport(str, Enum):
    """What a family can pin, from least to most."""

    NOTHING = "nothing"
    FIRST_FRAME = "first frame"
    FIRST_AND_LAST = "first and last frames"
    ANY = "any frames"


MODES_BY_PINS: dict[PinSupport, frozenset[Mode]] = {
    PinSupport.NOTHING: frozenset({Mode.TEXT}),
    # A clip's tail is pinned by its last frame alone on these (see runner.adapt_pins).
    PinSupport.FIRST_FRAME: frozenset({Mode.IMAGE, Mode.EXTEND_FORWARD}),
    PinSupport.FIRST_AND_LAST: frozenset({Mode.IMAGE, Mode.EXTEND_FORWARD, Mode.INFILL}),
    PinSupport.ANY: frozenset(Mode),
}

MODE_NAMES = {
    Mode.TEXT: "text-to-video",
    Mode.IMAGE: "image-to-video",
    Mode.EXTEND_FORWARD: "extend forward",
    Mode.EXTEND_BACKWARD: "extend backward",
    Mode.INFILL: "infill",
    Mode.LONG: "long shot",
}


@dataclass(frozen=True)
class Family:
    """A model family. Built-in ones are listed below; plugins contribute more under
    `backends` as `module:attr` naming a Family or a tuple of them."""

    name: str  # backend module name under studio.engine.backends, unless `backend` is given
    label: str
    class_names: tuple[str, ...]  # model_index.json `_class_name` values it runs
    required: tuple[str, ...]  # components the pipeline cannot run without
    pins: PinSupport
    rule: str  # the size rule in words, for messages
    backend: str = ""  # the module holding BACKEND, for families that live in plugins
    compilable: bool = True  # whether the transformer has repeated blocks to compile

    @property
    def backend_module(self) -> str:
        return self.backend or f"studio.engine.backends.{self.name}"


FAMILIES: tuple[Family, ...] = (
    Family(
        "wan", "Wan text-to-video", ("WanPipeline",),
        ("transformer", "vae", "text_encoder", "tokenizer", "scheduler"), PinSupport.NOTHING,
        "width and height multiples of 16, frames 4k+1",
    ),
    Family(
        "wan_vace", "Wan VACE", ("WanVACEPipeline",),
        ("transformer", "vae", "text_encoder", "tokenizer", "scheduler"), PinSupport.ANY,
        "width and height multiples of 16, frames 4k+1",
    ),
    Family(
        "wan_i2v", "Wan image-to-video", ("WanImageToVideoPipeline",),
        ("transformer", "vae", "text_encoder", "tokenizer", "scheduler"), PinSupport.FIRST_FRAME,
        "width and height multiples of 16, frames 4k+1",
    ),
    Family(
        "ltx", "LTX-Video", ("LTXConditionPipeline", "LTXPipeline", "LTXImageToVideoPipeline"),
        ("transformer", "vae", "text_encoder", "tokenizer", "scheduler"), PinSupport.ANY,
        "width and height multiples of 32, frames 8k+1",
    ),
)


# The plugin families, keyed by the settings file's inode, modification time and size when
# read. The inode matters where timestamps are coarse (FAT's 2 s, HFS+'s 1 s): two saves in one
# tick can leave time and size alike, but each save puts a new file in place (`write_atomic`),
# made while the old one still held its inode, so the number differs.
_plugin_families: tuple[tuple[int, int, int] | None, tuple[Family, ...]] | None = None


def all_families() -> tuple[Family, ...]:
    """The built-in families, then those plugins contribute.

    Read once per process and again when the settings file changes (a stat, not a parse, per
    call), so a long-lived engine host follows a backend switched off or on in Preferences at
    its next job."""
    global _plugin_families
    from studio.core.settings import settings_path

    try:
        info = settings_path().stat()
        stamp: tuple[int, int, int] | None = (info.st_ino, info.st_mtime_ns, info.st_size)
    except OSError:
        stamp = None
    if _plugin_families is None or _plugin_families[0] != stamp:
        _plugin_families = (stamp, _families_from_plugins())
    return FAMILIES + _plugin_families[1]


def reload_families() -> None:
    """Forget the plugin families (after plugins are installed or removed)."""
    global _plugin_families
    _plugin_families = None


def _families_from_plugins() -> tuple[Family, ...]:
    from studio.core.plugins import PluginRegistry
    from studio.core.settings import load_settings

    registry = PluginRegistry.discover(disabled=set(load_settings().disabled_plugins))
    found: list[Family] = []
    for contribution in registry.contributions("backends"):
        value = registry.load(contribution)
        families = value if isinstance(value, (tuple, list)) else (value,)
        if value is None or not all(isinstance(f, Family) for f in families):
            if value is not None:
                contribution.plugin.fail(f"{contribution.ref} is not a model Family")
            continue
        taken = {f.name for f in FAMILIES + tuple(found)}
        for family in families:
            if family.name in taken:
                contribution.plugin.fail(f"it names a family {family.name!r} that exists")
                break
            found.append(family)
    return tuple(found)


def family_for_class(class_name: str) -> Family | None:
    for family in all_families():
        if class_name in family.class_names:
            return family
    return None


def family_named(name: str) -> Family:
    for family in all_families():
        if family.name == name:
            return family
    raise KeyError(name)


def families_that_can(mode: Mode) -> list[Family]:
    return [f for f in all_families() if mode in MODES_BY_PINS[f.pins]]


@dataclass(frozen=True)
class SizeRule:
    """Sizes a model takes: sides multiples of `spatial`, frames `temporal`*k + 1."""

    spatial: int
    temporal: int
    fixed: tuple[int, int] | None = None  # (width, height) for models trained at one size only

    def describe(self) -> str:
        # A VAE that keeps every frame (one latent per frame) takes any count.
        frames = f"frames {self.temporal}k+1" if self.temporal > 1 else "any number of frames"
        if self.fixed:
            return f"exactly {self.fixed[0]}x{self.fixed[1]}, {frames}"
        return f"width and height multiples of {self.spatial}, {frames}"

    def size_ok(self, width: int, height: int) -> bool:
        if self.fixed:
            return (width, height) == self.fixed
        return self.side_ok(width) and self.side_ok(height)

    def round_size(self, width: int, height: int) -> tuple[int, int]:
        return self.fixed or (self.round_side(width), self.round_side(height))

    def side_ok(self, value: int) -> bool:
        return value % self.spatial == 0

    def frames_ok(self, frames: int) -> bool:
        return frames % self.temporal == 1 or (self.temporal == 1 and frames >= 1)

    def round_side(self, value: int) -> int:
        return max(self.spatial, round(value / self.spatial) * self.spatial)

    def round_frames(self, frames: int) -> int:
        return max(self.temporal + 1, round((frames - 1) / self.temporal) * self.temporal + 1)


@dataclass(frozen=True)
class NativeWindow:
    """The size, length and rate a model was trained at (`studio_defaults.json`): what new
    shots and `studio generate` start from when nothing else asks for a size."""

    width: int
    height: int
    frames: int
    fps: Fraction


@dataclass(frozen=True)
class ModelInfo:
    """A model folder as the studio sees it, read from its JSON files."""

    id: str
    path: Path
    family: Family
    class_name: str
    rule: SizeRule
    pins: PinSupport
    stand_ins: tuple[tuple[str, str], ...] = ()  # component -> stand-in name (e.g. minilm)
    source: str = "path"  # "demo", "models folder", "path", "hugging face cache"
    native: NativeWindow | None = None  # the window it was trained at, when its folder says
    # Tokens its prompts are padded to (the pipeline's max_sequence_length), when its folder says.
    prompt_tokens: int | None = None
    # Whether, extending backward, it takes the clip's first frame as a reference image too
    # (a VACE model trained so says it in its folder; others are not given one).
    extend_back_reference: bool = False

    @property
    def modes(self) -> frozenset[Mode]:
        return MODES_BY_PINS[self.pins]

    def mode_names(self) -> list[str]:
        return [MODE_NAMES[m] for m in Mode if m in self.modes]

    def size_on_disk(self) -> int:
        total = 0
        for file in self.path.rglob("*"):
            try:
                if file.is_file():
                    total += file.stat().st_size
            except OSError:
                continue
        return total


def mode_refusal(info: ModelInfo, mode: Mode) -> str | None:
    """Why `info` cannot do `mode` (one sentence for the user), or None when it can.

    The UI greys out a mode with this text; the runner raises it as BadInput."""
    if mode in info.modes:
        return None
    name = MODE_NAMES[mode]
    can = ", ".join(f.label for f in families_that_can(mode))
    return (
        f"{info.id} is a {info.family.label} model, which cannot do {name} "
        f"(it can pin {info.pins.value}); {name} needs a {can} model"
    )


def read_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"{path} is missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadInput(f"{path} cannot be read as JSON ({exc})") from None
    if not isinstance(data, dict):
        raise BadInput(f"{path} does not hold a JSON object")
    return data


def inspect_model(path: Path, model_id: str | None = None, source: str = "path") -> ModelInfo:
    """Read a diffusers model folder and say which family it is and what it can do."""
    path = Path(path)
    index_file = path / "model_index.json"
    if not index_file.is_file():
        raise BadInput(
            f"{path} is not a diffusers model folder (it has no model_index.json); "
            "give a folder saved with `save_pretrained`"
        )
    index = read_json(index_file)
    class_name = str(index.get("_class_name", ""))
    family = family_for_class(class_name)
    if family is None:
        known = ", ".join(f.label for f in all_families())
        raise BadInput(
            f"{path.name} is a {class_name or 'model of unknown kind'}, which the studio cannot "
            f"run; it runs {known}"
        )
    stand_ins = _stand_ins(path)
    missing = [name for name in family.required if not _has_component(path, index, name, stand_ins)]
    if missing:
        raise BadInput(
            f"{path.name} ({family.label}) is missing its {', '.join(missing)}; "
            "copy the whole model folder, not part of it"
        )
    return ModelInfo(
        id=model_id or path.name,
        path=path,
        family=family,
        class_name=class_name,
        rule=_size_rule(path, family),
        pins=_pin_support(path, family),
        stand_ins=tuple(sorted(stand_ins.items())),
        source=source,
        **_studio_defaults(path),
    )


def _studio_defaults(path: Path) -> dict[str, Any]:
    """ModelInfo's `native`, `prompt_tokens` and `extend_back_reference` from the folder's
    studio_defaults.json."""
    file = path / STUDIO_DEFAULTS_FILE
    if not file.is_file():
        return {}
    data = read_json(file)
    try:
        window = NativeWindow(int(data["width"]), int(data["height"]), int(data["frames"]),
                              Fraction(str(data["fps"])))
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        raise BadInput(f"{file} must give width, height, frames and fps as numbers") from None
    if min(window.width, window.height, window.frames) < 1 or window.fps <= 0:
        raise BadInput(f"{file} gives a window that is not positive")
    tokens = data.get("prompt_tokens")
    if tokens is not None and (type(tokens) is not int or tokens < 1):
        raise BadInput(f"{file} gives prompt_tokens {tokens!r}; it must be a whole number, 1 or more")
    reference = data.get("extend_back_reference", False)
    if type(reference) is not bool:
        raise BadInput(f"{file} gives extend_back_reference {reference!r}; it must be true or false")
    return {"native": window, "prompt_tokens": tokens, "extend_back_reference": reference}


def _stand_ins(path: Path) -> dict[str, str]:
    file = path / STUDIO_COMPONENTS_FILE
    if not file.is_file():
        return {}
    data = read_json(file)
    unknown = {v for v in data.values() if v not in KNOWN_STAND_INS}
    if unknown:
        raise BadInput(
            f"{file} names components the studio does not have ({', '.join(sorted(map(str, unknown)))})"
        )
    return {str(k): str(v) for k, v in data.items()}


def _has_component(path: Path, index: dict, name: str, stand_ins: dict[str, str]) -> bool:
    entry = index.get(name)
    if entry is None or entry == [None, None]:
        return name in stand_ins
    if name == "scheduler":
        return (path / name).is_dir()
    folder = path / name
    return folder.is_dir() and any(folder.iterdir())


def _component_config(path: Path, name: str) -> dict:
    file = path / name / "config.json"
    return read_json(file) if file.is_file() else {}


def _size_rule(path: Path, family: Family) -> SizeRule:
    vae = _component_config(path, "vae")
    transformer = _component_config(path, "transformer")
    if family.name.startswith("wan"):
        downsample = vae.get("temperal_downsample", [False, True, True])
        patch = transformer.get("patch_size", [1, 2, 2])
        # Wan 2.2's 5B VAE compresses 16x; its config says so, older configs imply 8x.
        spatial = vae.get("scale_factor_spatial") or 2 ** len(downsample)
        temporal = vae.get("scale_factor_temporal") or 2 ** sum(bool(d) for d in downsample)
        return SizeRule(int(spatial) * int(patch[1]), int(temporal))
    if family.name == "ltx":
        scaling = vae.get("spatio_temporal_scaling", [True, True, True, False])
        spatial = vae.get("spatial_compression_ratio") or vae.get("patch_size", 4) * 2 ** sum(scaling)
        temporal = vae.get("temporal_compression_ratio") or vae.get("patch_size_t", 1) * 2 ** sum(scaling)
        # LTXConditionPipeline itself insists on multiples of 32 whatever the VAE does.
        return SizeRule(math.lcm(int(spatial) * int(transformer.get("patch_size", 1)), 32), int(temporal))
    # CogVideoX
    spatial = 2 ** (len(vae.get("block_out_channels", [128, 256, 256, 512])) - 1)
    temporal = int(vae.get("temporal_compression_ratio", 4))
    fixed = None
    if transformer.get("use_learned_positional_embeddings") and not transformer.get(
        "use_rotary_positional_embeddings"
    ):
        # Learned position embeddings (CogVideoX-5b-I2V) exist for the training size only.
        fixed = (int(transformer["sample_width"]) * spatial, int(transformer["sample_height"]) * spatial)
    return SizeRule(spatial * int(transformer.get("patch_size", 2)), temporal, fixed)


def _pin_support(path: Path, family: Family) -> PinSupport:
    if family.name == "wan_i2v":
        # Wan 2.1 FLF2V checkpoints carry extra position embeddings for the second image;
        # Wan 2.2 (no image encoder, no expand_timesteps) also takes a last image.
        transformer = _component_config(path, "transformer")
        index = read_json(path / "model_index.json")
        if transformer.get("pos_embed_seq_len") or (
            index.get("boundary_ratio") is not None and not index.get("expand_timesteps")
        ):
            return PinSupport.FIRST_AND_LAST
    return family.pins

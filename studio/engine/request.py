"""What a job asks for: one plain, frozen, validated object (no torch here).

Every mode is "generate N frames, some of which are pinned". A `Pin` puts known frames at a
frame index of the generated window; the mode is derived from where the pins sit:

    no pins                          -> text-to-video
    one frame at 0                   -> image-to-video
    several frames at 0              -> extend forward (the tail of a clip leads in)
    frames ending at the last frame  -> extend backward (the head of a clip follows)
    frames at 0 and at the end       -> infill (between two clips, or first and last image)
    `window` set                     -> long shot (windows chained with overlap)

`frames` always counts the whole generated window, pins included. With `trim_pins` the take
keeps only the frames that were not pinned (extend and infill: the take is what is new).

Model-specific size rules (multiples of 16 or 32, 4k+1 frames) need the model's family, so
they are checked where the model is resolved (`studio.engine.runner`), not here.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import cached_property
from typing import Any

import numpy as np

from studio.core.errors import BadInput
from studio.core.model import Mode, PinRecord
from studio.core.timecode import parse_rate

PRESETS = ("draft", "final")
DEVICES = ("auto", "cuda", "mps", "cpu")
MAX_SIDE = 8192
MAX_FRAMES = 100_000
MAX_SEED = 2**63 - 1


@dataclass(frozen=True, eq=False)
class Pin:
    """Known frames placed at `at_frame` of the generated window.

    `frames` is uint8 RGB, [T, H, W, 3] (a single [H, W, 3] image is taken as T=1). The
    array is copied and made read-only so a request never changes under a running job.
    """

    at_frame: int
    frames: np.ndarray
    source: str = ""  # media id or file name, for the recipe

    def __post_init__(self) -> None:
        if not _is_int(self.at_frame) or self.at_frame < 0:
            raise BadInput(f"a pin's frame index must be a whole number 0 or more, not {self.at_frame!r}")
        frames = np.asarray(self.frames)
        if frames.ndim == 3:
            frames = frames[None]
        if frames.ndim != 4 or frames.shape[-1] != 3 or frames.shape[0] < 1:
            raise BadInput(
                f"pinned frames must be RGB images shaped [frames, height, width, 3], "
                f"not {list(np.shape(self.frames))}"
            )
        if frames.dtype != np.uint8:
            raise BadInput(f"pinned frames must be 8-bit (uint8), not {frames.dtype}")
        if frames.shape[1] < 2 or frames.shape[2] < 2:
            raise BadInput(f"pinned frames are too small ({frames.shape[2]}x{frames.shape[1]})")
        frames = np.array(frames, copy=True, order="C")
        frames.setflags(write=False)
        object.__setattr__(self, "frames", frames)
        object.__setattr__(self, "at_frame", int(self.at_frame))

    @property
    def count(self) -> int:
        return int(self.frames.shape[0])

    @property
    def end(self) -> int:
        """One past the last pinned frame index."""
        return self.at_frame + self.count

    @cached_property
    def sha256(self) -> str:
        """Content hash of the pinned pixels (shape included), for recipes and caches."""
        digest = hashlib.sha256()
        digest.update(repr(tuple(self.frames.shape)).encode())
        digest.update(self.frames.tobytes())
        return digest.hexdigest()

    def record(self) -> PinRecord:
        return PinRecord(self.at_frame, self.count, self.sha256, self.source)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pin):
            return NotImplemented
        return (self.at_frame, self.count, self.sha256) == (other.at_frame, other.count, other.sha256)

    def __hash__(self) -> int:
        return hash((self.at_frame, self.sha256))

    def __repr__(self) -> str:
        t, h, w, _ = self.frames.shape
        return f"Pin(at_frame={self.at_frame}, frames={t}x{w}x{h}, sha256={self.sha256[:12]})"


@dataclass(frozen=True)
class GenerationRequest:
    """Everything one generation job needs, checked when it is made."""

    prompt: str
    model: str = "demo"  # a model id (`demo`, a folder name, a HF repo id) or a folder path
    negative_prompt: str = ""
    width: int = 256
    height: int = 256
    frames: int = 17  # the whole generated window, pinned frames included
    fps: Fraction = Fraction(8)
    steps: int = 20
    guidance: float = 5.0
    seed: int = 0
    preset: str = "final"  # "draft": faster, step cache on; "final": full quality
    pins: tuple[Pin, ...] = ()
    device: str = "auto"
    round_to_model: bool = False  # round size/frames to what the model takes (and say so)
    trim_pins: bool = False  # the take keeps only the frames that were not pinned
    window: int = 0  # long shot: frames per window (0: one window)
    overlap: int = 0  # long shot: frames each window shares with the one before
    plan_overrides: tuple[tuple[str, str], ...] = field(default=())  # MemoryPlan field -> value

    def __post_init__(self) -> None:
        _check_text("prompt", self.prompt, required=True)
        _check_text("negative prompt", self.negative_prompt, required=False)
        if not isinstance(self.model, str) or not self.model.strip():
            raise BadInput("no model was given; use `demo`, a model folder, or a model id")
        object.__setattr__(self, "model", self.model.strip())
        for name in ("width", "height"):
            value = getattr(self, name)
            if not _is_int(value) or not 8 <= value <= MAX_SIDE:
                raise BadInput(f"{name} must be a whole number of pixels from 8 to {MAX_SIDE}, not {value!r}")
        if not _is_int(self.frames) or not 1 <= self.frames <= MAX_FRAMES:
            raise BadInput(f"the frame count must be a whole number from 1 to {MAX_FRAMES}, not {self.frames!r}")
        try:
            object.__setattr__(self, "fps", parse_rate(self.fps))
        except ValueError as exc:
            raise BadInput(str(exc)) from None
        if not _is_int(self.steps) or not 1 <= self.steps <= 1000:
            raise BadInput(f"steps must be a whole number from 1 to 1000, not {self.steps!r}")
        if isinstance(self.guidance, bool) or not isinstance(self.guidance, (int, float)):
            raise BadInput(f"guidance must be a number, not {self.guidance!r}")
        if not (0.0 <= float(self.guidance) <= 50.0):
            raise BadInput(f"guidance must be between 0 and 50, not {self.guidance}")
        object.__setattr__(self, "guidance", float(self.guidance))
        if not _is_int(self.seed) or not 0 <= self.seed <= MAX_SEED:
            raise BadInput(f"the seed must be a whole number from 0 to {MAX_SEED}, not {self.seed!r}")
        if self.preset not in PRESETS:
            raise BadInput(f"the preset must be one of {', '.join(PRESETS)}, not {self.preset!r}")
        if self.device not in DEVICES:
            raise BadInput(f"the device must be one of {', '.join(DEVICES)}, not {self.device!r}")
        object.__setattr__(self, "pins", tuple(self.pins))
        object.__setattr__(self, "plan_overrides", _pairs(self.plan_overrides))
        self._check_pins()
        self._check_window()
        _ = self.mode  # a pin layout no mode describes is refused here, not in the job

    def _check_pins(self) -> None:
        for pin in self.pins:
            if not isinstance(pin, Pin):
                raise BadInput(f"pins must be Pin objects, not {type(pin).__name__}")
        pins = sorted(self.pins, key=lambda p: p.at_frame)
        for pin in pins:
            if pin.end > self.frames:
                raise BadInput(
                    f"{pin.count} pinned frame(s) at frame {pin.at_frame} do not fit in "
                    f"{self.frames} frames; ask for at least {pin.end} frames"
                )
        for first, second in itertools.pairwise(pins):
            if second.at_frame < first.end:
                raise BadInput(
                    f"pins at frames {first.at_frame} and {second.at_frame} overlap; "
                    "pinned spans must not share frames"
                )
        if self.pins and sum(p.count for p in pins) >= self.frames:
            raise BadInput(
                f"every one of the {self.frames} frames is pinned, so there is nothing to "
                "generate; ask for more frames"
            )
        object.__setattr__(self, "pins", tuple(pins))

    def _check_window(self) -> None:
        if not _is_int(self.window) or not _is_int(self.overlap):
            raise BadInput("the long-shot window and overlap must be whole numbers of frames")
        if self.window == 0:
            if self.overlap:
                raise BadInput("an overlap only makes sense with a long-shot window")
            return
        if self.window < 2 or self.window >= self.frames:
            raise BadInput(
                f"a long-shot window must be from 2 frames to fewer than the {self.frames} "
                f"frames asked for, not {self.window}"
            )
        if not 1 <= self.overlap < self.window:
            raise BadInput(
                f"the long-shot overlap must be at least 1 frame and less than the window "
                f"({self.window}), not {self.overlap}"
            )
        if any(pin.at_frame != 0 or pin.end > self.window for pin in self.pins):
            raise BadInput("a long shot can only be pinned at its start, inside the first window")

    @property
    def mode(self) -> Mode:
        """The mode the pins describe (see the module docstring)."""
        if self.window:
            return Mode.LONG
        pins = self.pins
        if not pins:
            return Mode.TEXT
        at_start = pins[0].at_frame == 0
        at_end = pins[-1].end == self.frames
        if len(pins) == 1 and at_start:
            return Mode.IMAGE if pins[0].count == 1 else Mode.EXTEND_FORWARD
        if len(pins) == 1 and at_end:
            return Mode.EXTEND_BACKWARD
        if len(pins) == 2 and at_start and at_end:
            return Mode.INFILL
        where = ", ".join(str(p.at_frame) for p in pins)
        raise BadInput(
            f"pins at frames {where} describe no mode; pin the start, the end, or both"
        )

    @property
    def pinned_frames(self) -> int:
        return sum(pin.count for pin in self.pins)

    @property
    def output_frames(self) -> int:
        """How many frames the take will hold."""
        return self.frames - self.pinned_frames if self.trim_pins else self.frames

    def overrides(self) -> dict[str, str]:
        return dict(self.plan_overrides)

    def with_changes(self, **changes: Any) -> GenerationRequest:
        """A copy with some fields changed, validated again."""
        return replace(self, **changes)


# --- building requests for each mode ---------------------------------------------------------


def text_to_video(prompt: str, **fields: Any) -> GenerationRequest:
    return GenerationRequest(prompt=prompt, **fields)


def image_to_video(
    image: np.ndarray,
    prompt: str,
    *,
    last_image: np.ndarray | None = None,
    source: str = "",
    **fields: Any,
) -> GenerationRequest:
    """The image is frame 0; with `last_image` the window also ends on it (first-and-last)."""
    frames = fields.pop("frames", GenerationRequest.frames)
    pins = [Pin(0, _image(image, "image"), source)]
    if last_image is not None:
        pins.append(Pin(frames - 1, _image(last_image, "last image"), source))
    return GenerationRequest(prompt=prompt, frames=frames, pins=tuple(pins), **fields)


def extend_forward(
    clip_frames: np.ndarray, k: int, prompt: str, *, source: str = "", **fields: Any
) -> GenerationRequest:
    """Continue a clip: its last `k` frames lead the window; the take is what follows."""
    clip = _clip(clip_frames, k)
    fields.setdefault("trim_pins", True)
    return GenerationRequest(prompt=prompt, pins=(Pin(0, clip[-k:], source),), **fields)


def extend_backward(
    clip_frames: np.ndarray, k: int, prompt: str, *, source: str = "", **fields: Any
) -> GenerationRequest:
    """Lead into a clip: its first `k` frames end the window; the take is what comes before."""
    clip = _clip(clip_frames, k)
    frames = fields.pop("frames", GenerationRequest.frames)
    fields.setdefault("trim_pins", True)
    pin = Pin(max(frames - k, 0), clip[:k], source)
    return GenerationRequest(prompt=prompt, frames=frames, pins=(pin,), **fields)


def infill(
    tail_a: np.ndarray,
    head_b: np.ndarray,
    prompt: str,
    *,
    source_a: str = "",
    source_b: str = "",
    **fields: Any,
) -> GenerationRequest:
    """Bridge two clips: A's tail starts the window, B's head ends it; the take is the middle."""
    a = _clip(tail_a, 1)
    b = _clip(head_b, 1)
    frames = fields.pop("frames", GenerationRequest.frames)
    fields.setdefault("trim_pins", True)
    pins = (Pin(0, a, source_a), Pin(max(frames - len(b), 0), b, source_b))
    return GenerationRequest(prompt=prompt, frames=frames, pins=pins, **fields)


def long_shot(
    prompt: str, frames: int, window: int, overlap: int, **fields: Any
) -> GenerationRequest:
    """`frames` in windows of `window`, each starting on the last `overlap` frames before it."""
    return GenerationRequest(prompt=prompt, frames=frames, window=window, overlap=overlap, **fields)


# --- helpers ---------------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _check_text(name: str, value: object, *, required: bool) -> None:
    if not isinstance(value, str):
        raise BadInput(f"the {name} must be text, not {type(value).__name__}")
    if required and not value.strip():
        raise BadInput(f"the {name} is empty; describe the shot in a few words")
    if len(value) > 10_000:
        raise BadInput(f"the {name} is {len(value)} characters long; keep it under 10000")


def _image(image: np.ndarray, what: str) -> np.ndarray:
    array = np.asarray(image)
    if array.ndim == 4 and array.shape[0] == 1:
        array = array[0]
    if array.ndim != 3:
        raise BadInput(f"the {what} must be one RGB image shaped [height, width, 3]")
    return array


def _clip(clip_frames: np.ndarray, k: int) -> np.ndarray:
    clip = np.asarray(clip_frames)
    if clip.ndim != 4:
        raise BadInput("a clip's frames must be shaped [frames, height, width, 3]")
    if not _is_int(k) or k < 1:
        raise BadInput(f"the number of frames to pin must be 1 or more, not {k!r}")
    if len(clip) < k:
        raise BadInput(f"the clip has {len(clip)} frame(s), too short to pin {k}")
    return clip


def _pairs(value: Mapping[str, str] | tuple[tuple[str, str], ...] | None) -> tuple[tuple[str, str], ...]:
    from studio.engine.memory import CHOICES  # plain data; memory imports torch only when used

    items = {key: str(val) for key, val in dict(value or {}).items()}
    for key, val in items.items():
        if key not in CHOICES:
            raise BadInput(f"{key!r} is not a memory-plan setting; use one of {', '.join(CHOICES)}")
        if val not in CHOICES[key]:
            raise BadInput(f"{key} must be one of {', '.join(CHOICES[key])}, not {val!r}")
    return tuple(sorted(items.items()))

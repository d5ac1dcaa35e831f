"""A queued job's request as plain, saveable data, and the engine request built from it.

A `Job.request` must survive a save and a restart, so it cannot hold pinned pixels. It holds
a *spec*: the generation settings plus where the pinned frames come from (a media file and a
frame range). `build_request` turns a spec into a `GenerationRequest`, decoding those frames;
the render worker calls it on its own thread so decoding never stalls the window.
"""

from __future__ import annotations

import logging
import random
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from studio.core.errors import BadInput
from studio.core.model import (
    Clip,
    FrameRange,
    MediaItem,
    MediaKind,
    Mode,
    Project,
    Shot,
    ShotSettings,
)
from studio.core.settings import load_settings
from studio.core.timecode import parse_rate
from studio.engine.request import GenerationRequest, Pin

log = logging.getLogger(__name__)

MAX_SEED = 2**31 - 1  # seeds the user can read and type


def pin_count(duration: int, window: int) -> int:
    """How many frames of a neighbouring clip to pin: enough to carry motion, not the window."""
    return max(1, min(duration, max(1, window // 4)))


def fit_pins(new_frames: int, counts: list[int], limits: list[int], temporal: int | None) -> list[int]:
    """Grow the pinned counts (within each clip's length) until the whole window is a frame
    count the model takes (temporal*k + 1), so the new part keeps exactly `new_frames`."""
    counts = list(counts)
    if not temporal or temporal <= 1:
        return counts
    turn = 0
    while (new_frames + sum(counts)) % temporal != 1 % temporal:
        growable = [i for i in range(len(counts)) if counts[i] < limits[i]]
        if not growable:
            raise BadInput(
                f"the clips are too short to pin enough frames for this model; extend by "
                f"{new_frames + 1} or {new_frames - 1} frames instead"
            )
        i = growable[turn % len(growable)]
        counts[i] += 1
        turn += 1
    return counts


def next_seed(settings: ShotSettings, variation: int, rng: random.Random | None = None) -> int:
    """A locked seed counts up for variations; an unlocked one is rolled for each job."""
    if settings.seed_locked:
        return (settings.seed + variation) % (MAX_SEED + 1)
    return (rng or random.SystemRandom()).randint(0, MAX_SEED)


def _settings_fields(shot: Shot, seed: int) -> dict[str, Any]:
    s = shot.settings
    return {
        "prompt": shot.prompt,
        "negative_prompt": shot.negative_prompt,
        "model": shot.model,
        "width": s.width,
        "height": s.height,
        "frames": s.frames,
        "fps": str(Fraction(s.fps)),
        "steps": s.steps,
        "guidance": s.guidance,
        "seed": seed,
        "preset": s.preset,
    }


def _source(item: MediaItem, start: int, count: int) -> dict[str, Any]:
    return {"path": item.path, "media_id": item.id, "start": start, "count": count,
            "image": item.kind is MediaKind.IMAGE}


def shot_spec(project: Project, shot: Shot, seed: int,
              temporal: int | None = None) -> dict[str, Any]:
    """What generating the shot again asks for: text-to-video; image-to-video from its image;
    or, for a shot made by an extend or a fill, the same again from its source media (the
    whole file: the clip it came from may have been trimmed since)."""
    refs = [project.media_item(media_id) for media_id in shot.references]
    whole = [Clip(item.name, item.id, FrameRange(0, max(1, item.frames))) for item in refs]
    new_frames = shot.settings.frames
    if shot.mode in (Mode.EXTEND_FORWARD, Mode.EXTEND_BACKWARD) and whole:
        direction = "forward" if shot.mode is Mode.EXTEND_FORWARD else "backward"
        return extend_spec(project, shot, whole[0], direction, new_frames, seed, temporal)
    if shot.mode is Mode.INFILL and len(whole) >= 2:
        return fill_spec(project, shot, whole[0], whole[1], new_frames, seed, temporal)
    spec: dict[str, Any] = {"kind": "shot", **_settings_fields(shot, seed)}
    if refs and refs[0].kind is MediaKind.IMAGE:
        spec["image"] = _source(refs[0], 0, 1)
    return spec


def extend_spec(
    project: Project, shot: Shot, clip: Clip, direction: str, new_frames: int, seed: int,
    temporal: int | None = None,
) -> dict[str, Any]:
    """Extend `clip` by `new_frames`: its tail (forward) or head (backward) is pinned."""
    if direction not in ("forward", "backward"):
        raise BadInput(f"a clip extends forward or backward, not {direction!r}")
    item = project.media_item(clip.media_id)
    k = pin_count(clip.duration, shot.settings.frames)
    (k,) = fit_pins(new_frames, [k], [clip.duration], temporal)
    src = clip.source_range
    start = src.end_exclusive - k if direction == "forward" else src.start
    spec = {"kind": "extend", "direction": direction, **_settings_fields(shot, seed)}
    spec["frames"] = new_frames + k
    spec["clip"] = _source(item, start, k)
    return spec


def fill_spec(
    project: Project, shot: Shot, before: Clip, after: Clip, gap_frames: int, seed: int,
    temporal: int | None = None,
) -> dict[str, Any]:
    """Bridge a gap: the tail of `before` and the head of `after` are pinned around it."""
    ka = pin_count(before.duration, shot.settings.frames)
    kb = pin_count(after.duration, shot.settings.frames)
    ka, kb = fit_pins(gap_frames, [ka, kb], [before.duration, after.duration], temporal)
    a_item, b_item = project.media_item(before.media_id), project.media_item(after.media_id)
    spec = {"kind": "fill", **_settings_fields(shot, seed)}
    spec["frames"] = gap_frames + ka + kb
    spec["before"] = _source(a_item, before.source_range.end_exclusive - ka, ka)
    spec["after"] = _source(b_item, after.source_range.start, kb)
    return spec


# --- on the worker thread ---------------------------------------------------------------------


def _read(bundle: Path, source: dict[str, Any], width: int, height: int) -> np.ndarray:
    """Decode the pinned frames a spec names, sized to the request."""
    from studio.media.decode import read_frames
    from studio.media.images import load_image

    path = bundle / source["path"]
    if not path.is_file():
        raise BadInput(f"the media file {source['path']} is missing from the project folder")
    if source.get("image"):
        frames = load_image(path, size=(width, height))[None]
    else:
        frames = read_frames(path, start=int(source["start"]), count=int(source["count"]),
                             size=(width, height))
    return np.ascontiguousarray(frames, dtype=np.uint8)


def build_request(spec: dict[str, Any], bundle: Path) -> GenerationRequest:
    """The engine request a spec describes; raises BadInput with a plain reason."""
    fields = {k: spec[k] for k in ("prompt", "negative_prompt", "model", "width", "height",
                                   "frames", "steps", "guidance", "seed", "preset")}
    fields["fps"] = parse_rate(spec["fps"])
    # Where it runs is the user's preference when the job starts (a queue saved with the
    # project may run on another machine), so it is not part of the spec.
    fields["device"] = load_settings().device
    width, height, frames = fields["width"], fields["height"], fields["frames"]
    kind = spec.get("kind", "shot")
    pins: tuple[Pin, ...] = ()
    trim = False
    if kind == "shot":
        if spec.get("image"):
            image = _read(bundle, spec["image"], width, height)
            pins = (Pin(0, image[:1], spec["image"]["media_id"]),)
    elif kind == "extend":
        clip = _read(bundle, spec["clip"], width, height)
        at = 0 if spec["direction"] == "forward" else frames - len(clip)
        pins, trim = (Pin(at, clip, spec["clip"]["media_id"]),), True
    elif kind == "fill":
        a = _read(bundle, spec["before"], width, height)
        b = _read(bundle, spec["after"], width, height)
        pins = (Pin(0, a, spec["before"]["media_id"]),
                Pin(frames - len(b), b, spec["after"]["media_id"]))
        trim = True
    else:
        raise BadInput(f"a job of kind {kind!r} is not one this studio knows")
    # A shot's size and length may be off the model's grid: the engine rounds them and says
    # so. Extends and fills are already fitted (their pins must land on exact frames).
    return GenerationRequest(**fields, pins=pins, trim_pins=trim, round_to_model=kind == "shot")


def describe(spec: dict[str, Any]) -> str:
    """A short label for the queue."""
    kind = spec.get("kind", "shot")
    prompt = spec.get("prompt", "")
    short = prompt if len(prompt) <= 40 else prompt[:39] + "…"
    if kind == "extend":
        arrow = "→" if spec.get("direction") == "forward" else "←"
        return f"Extend {arrow} {short}"
    if kind == "fill":
        return f"Fill gap: {short}"
    return short

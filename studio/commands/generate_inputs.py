"""Pinned frames for `studio generate`, read from the user's image and clip files.

Frames are read with `studio.media` and fitted to the requested size by cropping to its
aspect ratio around the centre, then scaling: a 16:9 clip extended at 1:1 keeps its shapes
instead of being squashed. Every problem a file can have (missing, unreadable, too short)
becomes one `BadInput` sentence naming the file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from studio.core.errors import BadInput
from studio.media import load_image, probe, read_frames
from studio.media.images import resize

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    """What an input file holds, for defaults (size, rate) and length checks."""

    path: Path
    width: int
    height: int
    frames: int
    rate: Fraction


def inspect(path: str, what: str) -> Source:
    file = Path(path).expanduser()
    if not file.is_file():
        raise BadInput(f"the {what} {path} does not exist; check the path")
    try:
        info = probe(file)
    except BadInput as exc:
        raise BadInput(f"the {what} {file.name} cannot be read: {_sentence(exc)}") from None
    return Source(file, info.width, info.height, max(int(info.frames), 1), Fraction(info.rate or 0))


def check_length(source: Source, count: int) -> None:
    if source.frames < count:
        raise BadInput(
            f"{source.path.name} has {source.frames} frame(s), too short to pin {count}; "
            f"use a longer clip or fewer pinned frames (--pin-frames)"
        )


def image_frame(source: Source, size: tuple[int, int]) -> np.ndarray:
    """The image as one [H, W, 3] frame of `size` (width, height)."""
    try:
        image = load_image(source.path)
    except BadInput as exc:
        raise BadInput(f"the image {source.path.name} cannot be read: {_sentence(exc)}") from None
    return fit(image, size)


def clip_frames(source: Source, *, head: bool, count: int, size: tuple[int, int]) -> np.ndarray:
    """The first (`head`) or last `count` frames of a clip, fitted to `size`."""
    check_length(source, count)
    start = 0 if head else source.frames - count
    try:
        frames = read_frames(source.path, start, count)
    except BadInput as exc:
        raise BadInput(f"the clip {source.path.name} cannot be read: {_sentence(exc)}") from None
    return np.stack([fit(frame, size) for frame in frames])


def fit(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Crop `image` to the aspect ratio of `size` around its centre, then scale to `size`."""
    width, height = size
    h, w = image.shape[:2]
    if (w, h) == (width, height):
        return np.ascontiguousarray(image)
    # Crop the side that is too long for the target aspect; keep the other whole.
    if w * height > h * width:
        new_w = max(1, round(h * width / height))
        left = (w - new_w) // 2
        image = image[:, left : left + new_w]
    elif w * height < h * width:
        new_h = max(1, round(w * height / width))
        top = (h - new_h) // 2
        image = image[top : top + new_h]
    return resize(np.ascontiguousarray(image), (width, height))


def _sentence(exc: Exception) -> str:
    return str(exc).rstrip(". ")

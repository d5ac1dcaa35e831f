"""Long shots: windows chained forward, each pinned to the last frames of the one before.

Each window regenerates the frames it is pinned to, which shows how far its colour has
wandered from them. Where a window drifts, its colour statistics (mean and spread of each
Lab channel) are matched to the pinned frames, so later windows hold the first one's colour.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from studio.engine.request import GenerationRequest, Pin

log = logging.getLogger(__name__)

# Colour differences below this (CIE76 delta E of the mean colour) are not visible.
DRIFT_LIMIT = 1.5

Generate = Callable[[GenerationRequest, int], np.ndarray]


def to_lab(frames: np.ndarray) -> np.ndarray:
    """uint8 RGB [..., H, W, 3] -> float32 Lab, same shape."""
    flat = frames.reshape(-1, frames.shape[-2], 3).astype(np.float32) / 255.0
    return cv2.cvtColor(flat, cv2.COLOR_RGB2Lab).reshape(frames.shape)


def from_lab(lab: np.ndarray) -> np.ndarray:
    flat = lab.reshape(-1, lab.shape[-2], 3).astype(np.float32)
    rgb = cv2.cvtColor(flat, cv2.COLOR_Lab2RGB).reshape(lab.shape)
    return (rgb * 255.0).round().clip(0, 255).astype(np.uint8)


def mean_lab(frames: np.ndarray) -> np.ndarray:
    return to_lab(frames).reshape(-1, 3).mean(axis=0)


def delta_e(a: np.ndarray, b: np.ndarray) -> float:
    """Difference of the mean colours of two sets of frames (CIE76 delta E)."""
    return float(np.linalg.norm(mean_lab(a) - mean_lab(b)))


def window_drift(frames: np.ndarray, window: int, overlap: int) -> list[float]:
    """Each window's mean-colour distance from the first window, over a finished long shot."""
    stride = window - overlap
    first = frames[:window]
    drifts = []
    start = stride
    while start < len(frames):
        drifts.append(delta_e(frames[start : start + window], first))
        start += stride
    return drifts


def match_colour(frames: np.ndarray, measured: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Shift `frames` so that the Lab statistics of `measured` become those of `target`.

    `measured` must be the first frames of `frames` (the window's own take on the pins)."""
    measured_lab = to_lab(measured).reshape(-1, 3)
    target_lab = to_lab(target).reshape(-1, 3)
    scale = (target_lab.std(axis=0) + 1e-3) / (measured_lab.std(axis=0) + 1e-3)
    # A wild spread ratio means the content changed, not the colour; stretch only a little.
    scale = np.clip(scale, 0.8, 1.25)
    lab = to_lab(frames)
    lab = (lab - measured_lab.mean(axis=0)) * scale + target_lab.mean(axis=0)
    matched = from_lab(lab)
    # Clipping to the RGB gamut moves the mean back a little; one more shift takes that out.
    count = len(measured)
    residual = target_lab.mean(axis=0) - to_lab(matched[:count]).reshape(-1, 3).mean(axis=0)
    return from_lab(to_lab(matched) + residual)


@dataclass
class LongShot:
    frames: np.ndarray
    notes: list[str]
    # Per later window: colour distance of its regenerated pinned frames from the originals,
    # before and after correction (delta E).
    drift_before: list[float] = field(default_factory=list)
    drift_after: list[float] = field(default_factory=list)


def chain_windows(request: GenerationRequest, generate: Generate, *, correct: bool = True) -> LongShot:
    """Make `request.frames` frames in windows, each pinned to the last one's tail."""
    window, overlap = request.window, request.overlap
    base = request.with_changes(frames=window, window=0, overlap=0, trim_pins=False)
    previous = generate(base, 0)
    parts = [previous]
    made = len(previous)
    corrected = []
    before: list[float] = []
    after: list[float] = []
    index = 1
    while made < request.frames:
        tail = previous[-overlap:]
        # Each window gets its own seed so windows do not repeat the same noise.
        step = base.with_changes(pins=(Pin(0, tail, "previous window"),), seed=(request.seed + index) % 2**63)
        frames = generate(step, index)
        drift = delta_e(frames[:overlap], tail)
        if correct and drift > DRIFT_LIMIT:
            frames = match_colour(frames, frames[:overlap], tail)
            corrected.append(f"window {index + 1} ({drift:.1f} -> {delta_e(frames[:overlap], tail):.1f})")
        before.append(drift)
        after.append(delta_e(frames[:overlap], tail))
        log.info("long shot window %d: colour drift %.2f from its pinned frames", index + 1, drift)
        # The pinned frames already exist; the window adds what follows them.
        parts.append(frames[overlap:])
        made += len(frames) - overlap
        previous = frames
        index += 1
    notes = [f"made the long shot in {index} windows of {window} frames, {overlap} shared"]
    if corrected:
        notes.append("colour matched to the pinned frames where it drifted (delta E): " + ", ".join(corrected))
    return LongShot(np.concatenate(parts)[: request.frames], notes, before, after)

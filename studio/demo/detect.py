"""A simple detector for the evaluator: which named colour moves, and which way.

It reads pixels only, never the model: every pixel is matched to the nearest colour of the
renderer's palette (shape and background colours); the shape colour with the most pixels is
the shape's colour, and the least-squares slope of that colour's centroid over the first half
of the clip (before any bounce, by the renderer's construction) is its direction of motion.
"""

from __future__ import annotations

import logging

import numpy as np

from studio.demo.scenes import BACKGROUND_COLOURS, DIRECTIONS, FRAMES, SHAPE_COLOURS

log = logging.getLogger(__name__)

_NAMES = list(SHAPE_COLOURS) + [f"bg:{n}" for n in BACKGROUND_COLOURS]
_PALETTE = np.array(
    list(SHAPE_COLOURS.values()) + list(BACKGROUND_COLOURS.values()), dtype=np.float32
)
# Pixels further than this from every palette colour (blends, blur) count as nothing.
MAX_DISTANCE = 60.0
# Centroid travel (pixels over the measured frames) below which the shape is "still".
MIN_TRAVEL = 3.0


def colour_masks(frames: np.ndarray) -> dict[str, np.ndarray]:
    """{shape colour: bool (F, H, W)} of the pixels that colour wins."""
    px = frames.astype(np.float32)
    dist = np.linalg.norm(px[..., None, :] - _PALETTE, axis=-1)  # (F, H, W, P)
    nearest = dist.argmin(-1)
    close = dist.min(-1) <= MAX_DISTANCE
    return {
        name: (nearest == i) & close for i, name in enumerate(_NAMES) if not name.startswith("bg:")
    }


def dominant_colour(frames: np.ndarray, masks: dict[str, np.ndarray] | None = None) -> str | None:
    """The shape colour covering the most pixels over the clip, or None if no shape colour shows."""
    masks = masks if masks is not None else colour_masks(frames)
    counts = {name: int(m.sum()) for name, m in masks.items()}
    name = max(counts, key=counts.get)
    # Fewer than ~4 pixels a frame is noise, not a shape.
    return name if counts[name] >= 4 * len(frames) else None


def direction(mask: np.ndarray, frames: int = FRAMES // 2 + 1) -> str | None:
    """Direction of the centroid of a (F, H, W) mask over the first `frames` frames, or None."""
    ts, xs, ys = [], [], []
    for t in range(min(frames, len(mask))):
        yy, xx = np.nonzero(mask[t])
        if len(xx) >= 3:
            ts.append(t)
            xs.append(xx.mean())
            ys.append(yy.mean())
    if len(ts) < 3:
        return None
    vx = np.polyfit(ts, xs, 1)[0]
    vy = np.polyfit(ts, ys, 1)[0]
    span = ts[-1] - ts[0]
    if np.hypot(vx, vy) * span < MIN_TRAVEL:
        return None
    return max(DIRECTIONS, key=lambda d: DIRECTIONS[d][0] * vx + DIRECTIONS[d][1] * vy)


def detect(frames: np.ndarray) -> tuple[str | None, str | None]:
    """(colour, direction) of the dominant moving shape in uint8 (F, H, W, 3) frames."""
    masks = colour_masks(frames)
    colour = dominant_colour(frames, masks)
    if colour is None:
        return None, None
    return colour, direction(masks[colour])


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR (dB) between uint8 arrays; identical arrays give 100."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 100.0 if mse == 0 else float(10 * np.log10(255.0**2 / mse))

"""Procedural scenes for the demo model: coloured shapes moving over plain backgrounds.

Every scene is a pure function of its seed: the seed picks a background, one or two shapes
(kind, colour, size, direction, speed, start position), the frames are drawn with 2x
supersampling (soft edges, like real footage), and a caption is written from templates with
synonyms. Some seeds and some caption phrasings are held out for evaluation only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)

WIDTH = 64
HEIGHT = 64
FRAMES = 17
FPS = 8

# Saturated named colours for shapes (RGB 0..255); backgrounds use the muted set below, so a
# shape never disappears into its background and the evaluator's colour detector can find it.
SHAPE_COLOURS: dict[str, tuple[int, int, int]] = {
    "red": (220, 30, 30),
    "green": (40, 200, 60),
    "blue": (40, 80, 230),
    "yellow": (240, 220, 40),
    "orange": (250, 140, 20),
    "purple": (150, 50, 200),
    "white": (245, 245, 245),
    "cyan": (40, 220, 230),
}
BACKGROUND_COLOURS: dict[str, tuple[int, int, int]] = {
    "black": (10, 10, 10),
    "grey": (110, 110, 110),
    "navy": (20, 25, 80),
    "dark green": (20, 70, 35),
    "brown": (90, 55, 30),
    "maroon": (90, 20, 35),
}
SHAPES = ("circle", "square", "triangle", "diamond")
# Half-size of a shape in pixels at 64x64.
SIZES: dict[str, float] = {"small": 5.0, "medium": 8.0, "large": 11.0}
DIRECTIONS: dict[str, tuple[float, float]] = {
    "right": (1.0, 0.0),
    "left": (-1.0, 0.0),
    "up": (0.0, -1.0),
    "down": (0.0, 1.0),
}
# Each direction's reverse ("right" -> "left").
OPPOSITE: dict[str, str] = {
    d: next(e for e, (ex, ey) in DIRECTIONS.items() if (ex, ey) == (-dx, -dy))
    for d, (dx, dy) in DIRECTIONS.items()
}
# Pixels per frame at 64x64 and 8 fps.
SPEEDS: dict[str, float] = {"slowly": 1.2, "quickly": 2.6}

# Seeds at or above this are never used for training (held out for evaluation).
HELD_OUT_SEED_START = 1_000_000


def held_out_seeds(count: int, first: int) -> list[int]:
    """The scene seeds of `count` held-out prompts, from held-out prompt `first` on."""
    return [HELD_OUT_SEED_START + first + i for i in range(count)]


@dataclass(frozen=True)
class Mover:
    """One shape and how it moves."""

    shape: str
    colour: str
    size: str
    direction: str
    speed: str
    x: float  # start centre, pixels
    y: float


@dataclass(frozen=True)
class Scene:
    """Everything a seed decides, enough to draw the frames and write the caption."""

    seed: int
    background: str  # a BACKGROUND_COLOURS name
    background2: str | None  # second colour of a gradient, None for flat
    gradient: str  # "flat", "vertical" (top to bottom) or "horizontal" (left to right)
    movers: tuple[Mover, ...]


def _start_position(
    rng: np.random.Generator, direction: str, speed: str, half: float
) -> tuple[float, float]:
    """A start that lets the shape travel its named direction for the first half of the clip.

    Motion runs at least FRAMES // 2 frames before the first bounce, so "moving left" is what a
    viewer (and the evaluator's detector) sees.
    """
    dx, dy = DIRECTIONS[direction]
    run = SPEEDS[speed] * (FRAMES // 2)
    lo, hi = half + 1.0, WIDTH - half - 1.0
    coords = []
    for d in (dx, dy):
        if d > 0:
            coords.append(rng.uniform(lo, max(lo, hi - run)))
        elif d < 0:
            coords.append(rng.uniform(min(hi, lo + run), hi))
        else:
            coords.append(rng.uniform(lo, hi))
    return coords[0], coords[1]


def make_scene(seed: int, shapes: int | None = None) -> Scene:
    """The scene for a seed; `shapes` forces one or two movers (else about one in four has two)."""
    rng = np.random.default_rng(seed)
    bg_names = list(BACKGROUND_COLOURS)
    background = bg_names[rng.integers(len(bg_names))]
    gradient = ("flat", "flat", "vertical", "horizontal")[rng.integers(4)]
    background2 = None
    if gradient != "flat":
        others = [b for b in bg_names if b != background]
        background2 = others[rng.integers(len(others))]
    count = shapes if shapes is not None else (2 if rng.random() < 0.25 else 1)
    colours = list(SHAPE_COLOURS)
    rng.shuffle(colours)
    movers = []
    for i in range(count):
        shape = SHAPES[rng.integers(len(SHAPES))]
        size = list(SIZES)[rng.integers(len(SIZES))]
        direction = list(DIRECTIONS)[rng.integers(len(DIRECTIONS))]
        speed = list(SPEEDS)[rng.integers(len(SPEEDS))]
        x, y = _start_position(rng, direction, speed, SIZES[size])
        movers.append(Mover(shape, colours[i], size, direction, speed, x, y))
    return Scene(seed, background, background2, gradient, tuple(movers))


def positions(mover: Mover, frames: int = FRAMES) -> np.ndarray:
    """Centre (x, y) per frame, reflecting off the frame edges: shape (frames, 2)."""
    half = SIZES[mover.size]
    dx, dy = DIRECTIONS[mover.direction]
    step = SPEEDS[mover.speed]
    out = np.zeros((frames, 2), dtype=np.float64)
    pos = np.array([mover.x, mover.y])
    vel = np.array([dx, dy]) * step
    limit = np.array([WIDTH, HEIGHT], dtype=np.float64)
    for t in range(frames):
        out[t] = pos
        pos = pos + vel
        for k in range(2):
            if pos[k] < half:
                pos[k] = 2 * half - pos[k]
                vel[k] = -vel[k]
            elif pos[k] > limit[k] - half:
                pos[k] = 2 * (limit[k] - half) - pos[k]
                vel[k] = -vel[k]
    return out


def _background(scene: Scene, h: int, w: int) -> np.ndarray:
    a = np.array(BACKGROUND_COLOURS[scene.background], dtype=np.float32)
    if scene.gradient == "flat" or scene.background2 is None:
        return np.broadcast_to(a, (h, w, 3)).copy()
    b = np.array(BACKGROUND_COLOURS[scene.background2], dtype=np.float32)
    if scene.gradient == "vertical":
        t = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
        return np.broadcast_to(a * (1 - t) + b * t, (h, w, 3)).copy()
    t = np.linspace(0.0, 1.0, w, dtype=np.float32)[None, :, None]
    return np.broadcast_to(a * (1 - t) + b * t, (h, w, 3)).copy()


def _shape_mask(
    shape: str, cx: float, cy: float, half: float, xs: np.ndarray, ys: np.ndarray
) -> np.ndarray:
    u, v = xs - cx, ys - cy
    if shape == "circle":
        return u * u + v * v <= half * half
    if shape == "square":
        return (np.abs(u) <= half * 0.85) & (np.abs(v) <= half * 0.85)
    if shape == "diamond":
        return np.abs(u) + np.abs(v) <= half * 1.1
    # Triangle pointing up: inside the base and both slanted sides.
    top, base = -half, half * 0.8
    inside = (v >= top) & (v <= base)
    frac = (v - top) / (base - top)
    return inside & (np.abs(u) <= frac * half)


def shape_masks(scene: Scene, frames: int = FRAMES) -> np.ndarray:
    """Where the shapes are: bool (frames, HEIGHT, WIDTH), True on pixels whose centre a shape covers."""
    ys, xs = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32) + 0.5
    out = np.zeros((frames, HEIGHT, WIDTH), dtype=bool)
    for mover in scene.movers:
        for t, (x, y) in enumerate(positions(mover, frames)):
            out[t] |= _shape_mask(mover.shape, x, y, SIZES[mover.size], xs, ys)
    return out


# How far a shape reaches from its centre, in half-sizes (the diamond's tips are furthest).
_REACH = 1.1


def render(scene: Scene, frames: int = FRAMES, supersample: int = 2) -> np.ndarray:
    """The scene's frames as uint8 RGB, shape (frames, HEIGHT, WIDTH, 3)."""
    s = supersample
    h, w = HEIGHT * s, WIDTH * s
    # Pixel centres in output-pixel units, so shapes are placed at the same spot at any supersample.
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    xs = (xs + 0.5) / s
    ys = (ys + 0.5) / s
    img = np.repeat(_background(scene, h, w)[None], frames, axis=0)
    for mover in scene.movers:
        half = SIZES[mover.size]
        colour = SHAPE_COLOURS[mover.colour]
        for t, (cx, cy) in enumerate(positions(mover, frames)):
            # Only the supersampled pixels near the shape can be inside it: test those alone
            # (a few hundred instead of the whole frame; the training feed renders thousands).
            x0 = int(np.clip(np.floor((cx - _REACH * half) * s) - 1, 0, w))
            x1 = int(np.clip(np.ceil((cx + _REACH * half) * s) + 2, 0, w))
            y0 = int(np.clip(np.floor((cy - _REACH * half) * s) - 1, 0, h))
            y1 = int(np.clip(np.ceil((cy + _REACH * half) * s) + 2, 0, h))
            box = (slice(y0, y1), slice(x0, x1))
            mask = _shape_mask(mover.shape, cx, cy, half, xs[box], ys[box])
            img[t][box][mask] = colour
    # The mean of each s x s block, summed slice by slice (numpy's mean over the two strided
    # axes is several times slower).
    small = sum(img[:, i::s, j::s] for i in range(s) for j in range(s)) / (s * s)
    return np.clip(np.rint(small), 0, 255).astype(np.uint8)

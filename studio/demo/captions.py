"""Captions for procedural scenes: templates with synonyms and varied word order.

Training draws from the TRAIN phrasings; the evaluator also uses HELD_OUT phrasings (templates
and synonyms the model never saw) to check that it follows meaning, not memorised strings.
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np

from studio.demo.scenes import OPPOSITE, SHAPE_COLOURS, Mover, Scene

log = logging.getLogger(__name__)

# Each entry: (training synonyms, held-out synonyms).
SHAPE_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "circle": (("circle", "ball", "disc"), ("dot",)),
    "square": (("square", "box"), ("block",)),
    "triangle": (("triangle",), ("wedge",)),
    "diamond": (("diamond",), ("rhombus",)),
}
DIRECTION_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "right": (("to the right", "rightwards", "towards the right"), ("right",)),
    "left": (("to the left", "leftwards", "towards the left"), ("left",)),
    "up": (("up", "upwards", "towards the top"), ("upward",)),
    "down": (("down", "downwards", "towards the bottom"), ("downward",)),
}
SPEED_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "slowly": (("slowly", "gently"), ("leisurely",)),
    "quickly": (("quickly", "fast"), ("rapidly",)),
}
VERBS: tuple[tuple[str, ...], tuple[str, ...]] = (
    ("moving", "sliding", "travelling", "drifting"),
    ("gliding",),
)
SIZE_WORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "small": (("small", "little"), ("tiny",)),
    "medium": (("medium", "mid-sized"), ("medium-sized",)),
    "large": (("large", "big"), ("huge",)),
}

# A mover phrase and a background phrase joined in different orders.
MOVER_TEMPLATES: tuple[tuple[str, ...], tuple[str, ...]] = (
    (
        "a {size} {colour} {shape} {verb} {direction} {speed}",
        "a {colour} {shape} {verb} {speed} {direction}",
        "a {size} {colour} {shape} {verb} {direction}",
        "a {colour} {shape} {verb} {direction}",
    ),
    ("one {colour} {shape}, {size}, {speed} {verb} {direction}",),
)
SCENE_TEMPLATES: tuple[tuple[str, ...], tuple[str, ...]] = (
    (
        "{movers} on {background}",
        "{background}: {movers}",
        "{movers} over {background}",
        "{movers}",
    ),
    ("against {background}, {movers}",),
)


def _pick(
    rng: np.random.Generator, choices: tuple[tuple[str, ...], tuple[str, ...]], mode: str
) -> str:
    """mode "train": training options only; "mix": both; "held": held-out options only."""
    options = {"train": choices[0], "mix": choices[0] + choices[1], "held": choices[1]}[mode]
    return options[rng.integers(len(options))]


def _background_phrase(scene: Scene, rng: np.random.Generator) -> str:
    if scene.gradient == "flat" or scene.background2 is None:
        return ("a {a} background", "plain {a}")[rng.integers(2)].format(a=scene.background)
    if scene.gradient == "vertical":
        return f"a gradient from {scene.background} at the top to {scene.background2} at the bottom"
    return f"a gradient from {scene.background} on the left to {scene.background2} on the right"


def _mover_phrase(
    mover: Mover, rng: np.random.Generator, template_mode: str, word_mode: str
) -> str:
    template = _pick(rng, MOVER_TEMPLATES, template_mode)
    return template.format(
        size=_pick(rng, SIZE_WORDS[mover.size], word_mode),
        colour=mover.colour,
        shape=_pick(rng, SHAPE_WORDS[mover.shape], word_mode),
        verb=_pick(rng, VERBS, word_mode),
        direction=_pick(rng, DIRECTION_WORDS[mover.direction], word_mode),
        speed=_pick(rng, SPEED_WORDS[mover.speed], word_mode),
    )


def _articles(text: str) -> str:
    """ "a orange" -> "an orange"."""
    words = text.split(" ")
    for i in range(len(words) - 1):
        if words[i].lower() == "a" and words[i + 1][:1].lower() in "aeiou":
            words[i] = words[i] + "n"
    return " ".join(words)


def caption(scene: Scene, variant: int = 0, held_out: bool = False) -> str:
    """A caption for the scene; `variant` picks another phrasing of the same scene.

    With held_out=True the caption is built on a template reserved for evaluation (the scene
    template or the shape template), with synonyms drawn from both sets, so the training
    captions never contain it.
    """
    rng = np.random.default_rng([scene.seed, variant, int(held_out)])
    if not held_out:
        movers = " and ".join(_mover_phrase(m, rng, "train", "train") for m in scene.movers)
        text = _pick(rng, SCENE_TEMPLATES, "train").format(
            movers=movers, background=_background_phrase(scene, rng)
        )
        return _articles(text)
    held_scene = bool(rng.integers(2))
    mover_mode = "mix" if held_scene else "held"
    movers = " and ".join(_mover_phrase(m, rng, mover_mode, "mix") for m in scene.movers)
    scene_mode = "held" if held_scene else "train"
    text = _pick(rng, SCENE_TEMPLATES, scene_mode).format(
        movers=movers, background=_background_phrase(scene, rng)
    )
    return _articles(text)


def reversed_caption(scene: Scene, variant: int = 0, held_out: bool = False) -> str:
    """`caption(scene, variant, held_out)` with every shape's direction reversed.

    The same phrasing word for word but the direction words (the choices are drawn in the same
    order): a true caption of another clip, which the trainer contrasts with the real one.
    """
    return caption(every_mover(scene, lambda m: {"direction": OPPOSITE[m.direction]}), variant,
                   held_out)


def nearest_colour(name: str) -> str:
    """The other shape colour closest to `name` in RGB: the one a model most easily draws instead
    (yellow and orange, blue and purple)."""
    rgb = np.array(SHAPE_COLOURS[name], dtype=np.float32)
    others = [c for c in SHAPE_COLOURS if c != name]
    return min(others, key=lambda c: float(np.linalg.norm(np.array(SHAPE_COLOURS[c]) - rgb)))


def recoloured_caption(scene: Scene, variant: int = 0, held_out: bool = False) -> str:
    """`caption(scene, variant, held_out)` with every shape in its `nearest_colour`: the same
    phrasing word for word but the colours, a true caption of another clip, which the trainer
    contrasts with the real one."""
    return caption(every_mover(scene, lambda m: {"colour": nearest_colour(m.colour)}), variant,
                   held_out)


def every_mover(scene: Scene, change) -> Scene:
    """The scene with each mover's fields replaced by `change(mover)` (a dict of them)."""
    movers = tuple(dataclasses.replace(m, **change(m)) for m in scene.movers)
    return dataclasses.replace(scene, movers=movers)


def mover_caption(scene: Scene, variant: int = 0) -> str:
    """The scene's movers alone in held-out phrasings, no background: what a user writes when
    extending a clip whose background they take for granted."""
    rng = np.random.default_rng([scene.seed, variant, 2])
    return _articles(" and ".join(_mover_phrase(m, rng, "mix", "mix") for m in scene.movers))

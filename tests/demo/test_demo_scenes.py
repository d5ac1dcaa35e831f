"""The procedural scenes are deterministic and their captions describe what is drawn."""

from __future__ import annotations

import numpy as np

from studio.demo.captions import (
    DIRECTION_WORDS,
    MOVER_TEMPLATES,
    SCENE_TEMPLATES,
    SHAPE_WORDS,
    caption,
)
from studio.demo.detect import detect
from studio.demo.scenes import (
    FRAMES,
    HEIGHT,
    HELD_OUT_SEED_START,
    WIDTH,
    make_scene,
    positions,
    render,
)


def test_same_seed_same_frames_and_caption() -> None:
    a, b = make_scene(42), make_scene(42)
    assert a == b
    assert np.array_equal(render(a), render(b))
    assert caption(a, 3) == caption(b, 3)
    assert not np.array_equal(render(make_scene(43)), render(a))


def test_frames_have_the_training_window_size() -> None:
    frames = render(make_scene(1))
    assert frames.shape == (FRAMES, HEIGHT, WIDTH, 3) and frames.dtype == np.uint8
    assert HEIGHT % 16 == 0 and WIDTH % 16 == 0 and (FRAMES - 1) % 4 == 0


def test_caption_names_the_colour_shape_and_direction_drawn() -> None:
    for seed in range(HELD_OUT_SEED_START, HELD_OUT_SEED_START + 12):
        scene = make_scene(seed, shapes=1)
        mover = scene.movers[0]
        colour, direction = detect(render(scene))
        assert (colour, direction) == (mover.colour, mover.direction)
        for held_out in (False, True):
            text = caption(scene, seed, held_out=held_out)
            assert mover.colour in text
            shape_words = SHAPE_WORDS[mover.shape][0] + SHAPE_WORDS[mover.shape][1]
            assert any(w in text for w in shape_words)
            direction_words = (
                DIRECTION_WORDS[mover.direction][0] + DIRECTION_WORDS[mover.direction][1]
            )
            assert any(w in text for w in direction_words)


def test_two_shape_captions_name_both() -> None:
    scene = make_scene(5, shapes=2)
    text = caption(scene)
    assert all(m.colour in text for m in scene.movers)


def test_shapes_bounce_inside_the_frame() -> None:
    scene = make_scene(9)
    for mover in scene.movers:
        track = positions(mover, 200)
        assert track.min() >= 0 and track[:, 0].max() <= WIDTH and track[:, 1].max() <= HEIGHT


def test_held_out_captions_are_never_training_captions() -> None:
    held_scene = {t.split("{")[0] for t in SCENE_TEMPLATES[1]}
    held_mover = {t.split("{")[0] for t in MOVER_TEMPLATES[1]}
    for seed in range(30):
        scene = make_scene(seed)
        train = {caption(scene, v) for v in range(20)}
        for v in range(5):
            text = caption(scene, v, held_out=True)
            assert text not in train
            assert any(text.startswith(p) for p in held_scene) or any(p in text for p in held_mover)


def _reference_render(scene) -> np.ndarray:
    """Every supersampled pixel of every frame tested against every shape: what `render` draws
    faster by testing only the pixels near each shape."""
    from studio.demo.scenes import SHAPE_COLOURS, SIZES, _background, _shape_mask

    s = 2
    ys, xs = np.mgrid[0 : HEIGHT * s, 0 : WIDTH * s].astype(np.float32)
    xs, ys = (xs + 0.5) / s, (ys + 0.5) / s
    bg = _background(scene, HEIGHT * s, WIDTH * s)
    out = []
    for t in range(FRAMES):
        img = bg.copy()
        for mover in scene.movers:
            x, y = positions(mover)[t]
            img[_shape_mask(mover.shape, x, y, SIZES[mover.size], xs, ys)] = SHAPE_COLOURS[mover.colour]
        out.append(img.reshape(HEIGHT, s, WIDTH, s, 3).mean(axis=(1, 3)))
    return np.clip(np.rint(np.stack(out)), 0, 255).astype(np.uint8)


def test_render_draws_every_pixel_of_each_shape() -> None:
    for seed in [*range(40), *range(HELD_OUT_SEED_START, HELD_OUT_SEED_START + 10)]:
        for shapes in (1, 2):
            scene = make_scene(seed, shapes=shapes)
            assert np.array_equal(render(scene), _reference_render(scene)), (seed, shapes)

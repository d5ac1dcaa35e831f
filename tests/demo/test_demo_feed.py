"""The training feed: the same samples in the same order however many processes render them."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

from studio.demo.feed import SampleFeed, has_small_shape, make_sample
from studio.demo.scenes import FRAMES, HEIGHT, HELD_OUT_SEED_START, WIDTH, make_scene, shape_masks


def _key(samples) -> list[tuple]:
    return [(s.seed, s.text, s.reversed, s.frames.tobytes(), s.shapes.tobytes()) for s in samples]


def test_workers_render_the_same_sequence_and_a_resume_goes_on_from_its_place() -> None:
    inline = SampleFeed(3)
    first = inline.take(5) + inline.take(12)
    assert inline.taken == 17
    parallel = SampleFeed(3, workers=2, ahead=3)
    try:
        assert _key(parallel.take(17)) == _key(first)
        more = parallel.take(4)
    finally:
        parallel.close()
    # A resumed run seeks to the samples it had taken and continues the same sequence.
    resumed = SampleFeed(3)
    resumed.seek(17)
    assert _key(resumed.take(4)) == _key(more)
    assert _key(SampleFeed(4).take(5)) != _key(first[:5])


@pytest.mark.timeout(120)
def test_closing_a_feed_lets_its_workers_finish_what_they_were_sending() -> None:
    # Killing a worker halfway through sending a chunk left the pool's shutdown waiting for the
    # rest of the message forever (it hung a CI run). Closed with chunks still being rendered,
    # the workers finish them and exit on their own.
    others = set(multiprocessing.active_children())  # any an earlier test left running
    feed = SampleFeed(5, workers=2, ahead=6)
    feed.take(3)
    workers = [p for p in multiprocessing.active_children() if p not in others]
    assert len(workers) == 2
    feed.close()
    assert [w.exitcode for w in workers] == [0, 0]
    assert set(multiprocessing.active_children()) <= others


def test_a_sample_is_a_training_scene_with_its_caption_frames_and_shapes() -> None:
    samples = SampleFeed(0).take(20)
    assert all(s.seed < HELD_OUT_SEED_START for s in samples)
    assert len({s.seed for s in samples}) == 20
    s = samples[0]
    assert s.frames.shape == (FRAMES, HEIGHT, WIDTH, 3) and s.frames.dtype == np.uint8
    assert np.array_equal(s.shapes, shape_masks(make_scene(s.seed)))
    mover = make_scene(s.seed).movers[0]
    assert mover.colour in s.text and mover.colour in s.reversed and s.text != s.reversed
    held = make_sample(HELD_OUT_SEED_START + 3, 1, held_out=True)
    assert held.seed == HELD_OUT_SEED_START + 3


def test_a_small_share_draws_more_scenes_with_a_small_shape_and_zero_keeps_the_old_feed() -> None:
    def small(samples) -> int:
        return sum(has_small_shape(s.seed) for s in samples)

    plain = SampleFeed(6).take(120)
    assert _key(SampleFeed(6, small_share=0.0).take(120)) == _key(plain)
    leaning = SampleFeed(6, small_share=0.6).take(120)
    # About 38% of training scenes have a small shape; with 0.6 of the rest drawn again, 75%.
    assert small(plain) <= 60 and small(leaning) >= 80
    assert all(s.seed < HELD_OUT_SEED_START for s in leaning)
    # A sample not drawn again (or whose first scene had a small shape) is the plain feed's.
    same = [a.seed == b.seed for a, b in zip(plain, leaning, strict=True)]
    assert 20 <= sum(same) < 120
    assert _key(SampleFeed(6, small_share=0.6).take(120)) == _key(leaning)

"""Long shots: windows chained on their tails, colour held to the first window."""

from __future__ import annotations

import numpy as np
import pytest

from studio.core.model import Mode
from studio.engine import request as rq
from studio.engine.families import inspect_model
from studio.engine.longshot import DRIFT_LIMIT, chain_windows, window_drift
from studio.engine.runner import run_request
from studio.engine.sources import demo_path
from studio.media import read_frames


def drifting_generator(shift_per_window: float):
    """Stands in for a model whose colour creeps warmer each window, keeping its pins."""

    def generate(request: rq.GenerationRequest, index: int) -> np.ndarray:
        rng = np.random.default_rng(index)
        frames = rng.integers(60, 120, size=(request.frames, 16, 16, 3)).astype(np.float32)
        if request.pins:
            pin = request.pins[0]
            frames[: pin.count] = pin.frames
        frames[..., 0] += shift_per_window * index  # the whole window drifts, pins included
        return frames.clip(0, 255).astype(np.uint8)

    return generate


def test_windows_chain_on_their_tails_and_drift_is_corrected():
    request = rq.long_shot("a long walk", frames=20, window=8, overlap=3, width=16, height=16)
    seen = []

    def generate(r, i):
        seen.append(r)
        return drifting_generator(20.0)(r, i)

    shot = chain_windows(request, generate)
    frames, notes = shot.frames, shot.notes
    assert len(frames) == 20
    assert [r.frames for r in seen] == [8, 8, 8, 8]
    assert not seen[0].pins and all(r.pins[0].count == 3 and r.pins[0].at_frame == 0 for r in seen[1:])
    assert seen[2].pins[0].frames.shape == (3, 16, 16, 3)
    raw = chain_windows(request, drifting_generator(20.0), correct=False).frames
    before = window_drift(raw, 8, 3)
    after = window_drift(frames, 8, 3)
    assert max(before) > 3 * DRIFT_LIMIT
    assert max(after) < DRIFT_LIMIT
    assert any("colour matched" in note for note in notes)


def test_steady_windows_are_left_alone():
    request = rq.long_shot("a long walk", frames=14, window=8, overlap=2, width=16, height=16)
    shot = chain_windows(request, drifting_generator(0.0))
    frames, notes = shot.frames, shot.notes
    raw = chain_windows(request, drifting_generator(0.0), correct=False).frames
    assert np.array_equal(frames, raw)
    assert not any("colour matched" in note for note in notes)


def test_long_shot_through_the_runner(tiny_model, pipeline_cache, tmp_path):
    request = rq.long_shot(
        "a red cat walks", frames=9, window=5, overlap=1, width=16, height=16, steps=1,
        model=str(tiny_model("wan_vace")),
    )
    steps = []
    result = run_request(request, tmp_path / "long.mkv", on_step=steps.append, cache=pipeline_cache)
    assert len(read_frames(result.path)) == 9 and result.recipe.mode is Mode.LONG
    assert [s.step for s in steps] == [1, 2] and steps[-1].total == 2  # 2 windows x 1 step
    assert any("2 windows of 5 frames" in note for note in result.notes)


def real_model_windows(model, cache, folder):
    """Windows made by the real runner on `model`, for chain_windows to join and correct."""

    def generate(request: rq.GenerationRequest, index: int) -> np.ndarray:
        take = run_request(request, folder / f"window{index}.mkv", cache=cache)
        return read_frames(take.path)

    return generate


@pytest.mark.parametrize("kind", ["wan_vace", "demo"])
def test_colour_drift_measured_on_a_real_model_is_corrected(kind, tiny_model, pipeline_cache, tmp_path):
    if kind == "demo":
        if not (demo_path() / "model_index.json").is_file():
            pytest.skip("the demo model is not installed")
        model, steps = "demo", 2
    else:
        model, steps = str(tiny_model(kind)), 2
    rule = inspect_model(demo_path() if kind == "demo" else tiny_model(kind)).rule
    window = rule.temporal + 1
    request = rq.long_shot(
        "a red cat walks", frames=2 * window - 2, window=window, overlap=2, width=rule.spatial * 2,
        height=rule.spatial * 2, steps=steps, model=model, seed=3,
    )
    generate = real_model_windows(model, pipeline_cache, tmp_path)
    shot = chain_windows(request, generate)
    assert len(shot.frames) == request.frames and len(shot.drift_before) == 1
    # Whatever a later window did to the colour of the frames it was pinned to, a visible
    # drift is at least halved by the correction and a small one is left alone.
    for before, after in zip(shot.drift_before, shot.drift_after):
        assert after < before / 2 if before > DRIFT_LIMIT else after == before

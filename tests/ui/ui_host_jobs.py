"""Job functions for a real engine host in the UI tests: the runner's signature, no model.

The host imports this module by name (`ui_host_jobs:slow_job`), so the tests exercise the
real process, pipes, supervision and restart, while a "generation" is a few quick steps
that write a real little video.
"""

from __future__ import annotations

import time
from pathlib import Path

from fake_engine import frames_for, write_clip

from studio.core.model import Recipe
from studio.engine.events import JobCancelledError, StepInfo, TakeResult

STEP_S = 0.1  # slow enough that a test can kill the host in the middle of a job


def slow_job(request, out_path, *, on_step, is_cancelled, cache, **_extra):
    for step in range(1, request.steps + 1):
        time.sleep(STEP_S)  # stands in for a denoising step inside the host process
        if is_cancelled():
            raise JobCancelledError()
        on_step(StepInfo(step, request.steps, STEP_S * (request.steps - step)))
    frames = frames_for(request)
    write_clip(Path(out_path), frames, request.fps)
    recipe = Recipe(model=request.model, mode=request.mode, prompt=request.prompt,
                    width=request.width, height=request.height, frames=len(frames),
                    fps=request.fps, steps=request.steps, seed=request.seed)
    return TakeResult(str(out_path), "", len(frames), request.width, request.height,
                      request.fps, recipe)

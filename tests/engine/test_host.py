"""The real engine host process running the real runner on a tiny saved Wan VACE model.

The job is the runner itself, wrapped only to pause 0.2 s after each step, so a test can
cancel or kill the host while a job is surely in the middle of denoising.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from studio.engine.client import EngineClient
from studio.engine.events import JobCancelled, JobFailed, JobFinished, JobStep
from studio.engine.request import GenerationRequest
from studio.media import probe, read_frames

sys.path.insert(0, str(Path(__file__).parent))
from tiny_models import build_tiny

PAUSE_S = 0.2


def paced_run_request(request, out_path, *, on_step, is_cancelled, cache, **kwargs):
    from studio.engine.runner import run_request

    def paced(info):
        on_step(info)
        time.sleep(PAUSE_S)

    return run_request(request, out_path, on_step=paced, is_cancelled=is_cancelled, cache=cache, **kwargs)


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return build_tiny("wan_vace", tmp_path_factory.getbasetemp() / "tiny_models")


@pytest.fixture(scope="module")
def engine():
    with EngineClient(job=paced_run_request) as client:
        yield client


def make_request(model: Path, steps: int = 2, seed: int = 5) -> GenerationRequest:
    return GenerationRequest(
        "a red car on a street", model=str(model), width=32, height=32, frames=5, steps=steps, seed=seed
    )


def follow(client: EngineClient, job: str, timeout: float = 120.0) -> list:
    seen = []
    for event in client.events(timeout):
        if event.job_id != job:
            continue
        seen.append(event)
        if isinstance(event, (JobFinished, JobFailed, JobCancelled)):
            return seen
    raise AssertionError(f"job {job} did not end; saw {seen}")


def first_step(client: EngineClient, job: str, timeout: float = 120.0) -> JobStep:
    for event in client.events(timeout):
        if event.job_id == job and isinstance(event, JobStep):
            return event
        assert not isinstance(event, (JobFinished, JobFailed, JobCancelled)), event
    raise AssertionError("no step came")


def test_job_streams_progress_and_writes_a_playable_take(engine, model, tmp_path):
    out = tmp_path / "take.mkv"
    job = engine.submit(make_request(model), out)
    seen = follow(engine, job)
    assert [type(e).__name__ for e in seen] == ["JobQueued", "JobStarted", "JobStep", "JobStep", "JobFinished"]
    steps = [e for e in seen if isinstance(e, JobStep)]
    assert [(s.step, s.total) for s in steps] == [(1, 2), (2, 2)]
    preview = steps[-1].preview  # the last step always carries a preview
    assert preview is not None and preview.dtype == np.uint8 and preview.ndim == 3 and preview.shape[2] == 3
    result = seen[-1].result
    assert Path(result.path) == out
    frames = read_frames(out)
    assert frames.shape == (5, 32, 32, 3)
    assert probe(out).frames == 5
    assert Path(result.recipe_path).is_file() and result.recipe.seed == 5


def test_cancel_mid_job_stops_it_and_writes_nothing(engine, model, tmp_path):
    out = tmp_path / "cancelled.mkv"
    job = engine.submit(make_request(model, steps=40), out)
    step = first_step(engine, job)
    assert engine.cancel(job)
    rest = follow(engine, job)
    assert rest[-1] == JobCancelled(job)
    later_steps = [e for e in rest if isinstance(e, JobStep)]
    assert len(later_steps) <= 1 and step.step + len(later_steps) < 40  # within one step
    assert not out.exists()
    assert not Path(str(out) + ".recipe.json").exists()


def test_killed_host_fails_the_job_and_the_next_job_finishes(engine, model, tmp_path):
    job = engine.submit(make_request(model, steps=40), tmp_path / "doomed.mkv")
    first_step(engine, job)
    pid = engine.host_pid
    os.kill(pid, signal.SIGKILL)
    assert follow(engine, job)[-1] == JobFailed(job, "crash", "the engine stopped unexpectedly")
    out = tmp_path / "after.mkv"
    job = engine.submit(make_request(model, seed=6), out)
    seen = follow(engine, job)
    assert isinstance(seen[-1], JobFinished)
    assert read_frames(out).shape == (5, 32, 32, 3)
    assert engine.host_pid != pid


def test_close_mid_job_leaves_no_engine_process(engine, model, tmp_path):
    # Last in this file: it closes the module's engine (closing twice is harmless).
    job = engine.submit(make_request(model, steps=40), tmp_path / "a.mkv")
    first_step(engine, job)
    pid = engine.host_pid
    engine.close()
    assert pid not in [child.pid for child in multiprocessing.active_children()]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert JobCancelled(job) in list(engine.events(timeout=1))

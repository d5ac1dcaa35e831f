"""EngineClient supervising a real host process, with a stand-in job (no model, no torch).

The stand-in has the runner's signature and timing of a slow model (one step every 50 ms),
so queueing, cancelling, crashing and shutting down are checked quickly and exactly.
Tests with the real runner and a tiny saved model are in test_host.py.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.core.errors import BadInput
from studio.core.model import Recipe
from studio.engine.client import EngineClient
from studio.engine.events import (
    JobCancelled,
    JobCancelledError,
    JobFailed,
    JobFinished,
    JobQueued,
    JobStarted,
    JobStep,
    StepInfo,
    TakeResult,
)
from studio.engine.request import GenerationRequest

STEP_S = 0.05


def stand_in_job(request, out_path, *, on_step, is_cancelled, cache):
    """Sleeps through `steps` steps, honours cancel, writes a small file."""
    if request.prompt == "refuse":
        raise BadInput("this request cannot be done")
    if request.prompt == "explode":
        raise RuntimeError("boom")
    for step in range(1, request.steps + 1):
        time.sleep(STEP_S)
        if is_cancelled():
            raise JobCancelledError()
        on_step(StepInfo(step, request.steps, STEP_S * (request.steps - step)))
    Path(out_path).write_bytes(b"video")
    return TakeResult(
        out_path, "", request.frames, request.width, request.height, request.fps,
        Recipe(model=request.model, prompt=request.prompt, seed=request.seed),
    )


def request(steps: int = 3, prompt: str = "a cat walks") -> GenerationRequest:
    return GenerationRequest(prompt, model="stand-in", steps=steps, frames=5, width=32, height=32)


@pytest.fixture
def client():
    with EngineClient(job=stand_in_job, cache="") as engine:
        yield engine


def events_until_done(client: EngineClient, job_ids: set[str], timeout: float = 60.0) -> list:
    seen = []
    left = set(job_ids)
    for event in client.events(timeout):
        seen.append(event)
        if isinstance(event, (JobFinished, JobFailed, JobCancelled)):
            left.discard(event.job_id)
        if not left:
            return seen
    raise AssertionError(f"jobs {left} did not end; saw {seen}")


def kinds(events: list, job_id: str) -> list[str]:
    return [type(e).__name__ for e in events if e.job_id == job_id]


def test_jobs_run_in_order_with_every_event(client, tmp_path):
    first = client.submit(request(), tmp_path / "a.mkv")
    second = client.submit(request(), tmp_path / "b.mkv")
    seen = events_until_done(client, {first, second})
    assert kinds(seen, first) == ["JobQueued", "JobStarted", "JobStep", "JobStep", "JobStep", "JobFinished"]
    assert kinds(seen, second)[-1] == "JobFinished"
    # One job at a time: the second starts only after the first has finished.
    order = [(type(e).__name__, e.job_id) for e in seen if not isinstance(e, (JobQueued, JobStep))]
    assert order == [("JobStarted", first), ("JobFinished", first), ("JobStarted", second), ("JobFinished", second)]
    done = [e for e in seen if isinstance(e, JobFinished)]
    assert Path(done[0].result.path).read_bytes() == b"video"
    steps = [e for e in seen if isinstance(e, JobStep) and e.job_id == first]
    assert [(s.step, s.total) for s in steps] == [(1, 3), (2, 3), (3, 3)]


def test_failures_are_reported_with_their_kind(client, tmp_path):
    bad = client.submit(request(prompt="refuse"), tmp_path / "a.mkv")
    broken = client.submit(request(prompt="explode"), tmp_path / "b.mkv")
    fine = client.submit(request(), tmp_path / "c.mkv")
    seen = {e.job_id: e for e in events_until_done(client, {bad, broken, fine}) if not isinstance(e, JobStep)}
    assert seen[bad] == JobFailed(bad, "bad_input", "this request cannot be done")
    assert seen[broken].kind == "error" and "boom" in seen[broken].message
    assert isinstance(seen[fine], JobFinished)  # a failed job never takes the host down


def test_cancel_running_job_within_a_step(client, tmp_path):
    out = tmp_path / "long.mkv"
    job = client.submit(request(steps=200), out)
    for event in client.events(30):
        if isinstance(event, JobStep):
            cancelled_at = time.monotonic()
            assert client.cancel(job)
            break
    final = client.wait(job, timeout=30)
    assert final == JobCancelled(job)
    assert time.monotonic() - cancelled_at < 2.0  # well inside the job's 10 s
    assert not out.exists()


def test_cancel_queued_job_never_starts(client, tmp_path):
    running = client.submit(request(steps=20), tmp_path / "a.mkv")
    queued = client.submit(request(), tmp_path / "b.mkv")
    assert client.cancel(queued)
    seen = events_until_done(client, {running, queued})
    assert kinds(seen, queued) == ["JobQueued", "JobCancelled"]
    assert kinds(seen, running)[-1] == "JobFinished"
    assert not client.cancel(queued)  # already over


def test_cancel_all_cancels_running_and_queued(client, tmp_path):
    jobs = [client.submit(request(steps=100), tmp_path / f"{i}.mkv") for i in range(3)]
    for event in client.events(30):
        if isinstance(event, JobStarted):
            break
    client.cancel_all()
    seen = events_until_done(client, set(jobs))
    assert all(kinds(seen, job)[-1] == "JobCancelled" for job in jobs)


def test_host_killed_mid_job_fails_it_and_the_next_job_runs(client, tmp_path):
    doomed = client.submit(request(steps=200), tmp_path / "a.mkv")
    after = client.submit(request(), tmp_path / "b.mkv")
    for event in client.events(30):
        if isinstance(event, JobStep):
            first_pid = client.host_pid
            os.kill(first_pid, signal.SIGKILL)
            break
    seen = events_until_done(client, {doomed, after})
    failed = [e for e in seen if e.job_id == doomed][-1]
    assert failed == JobFailed(doomed, "crash", "the engine stopped unexpectedly")
    assert kinds(seen, after)[-1] == "JobFinished"
    assert client.host_pid not in (None, first_pid)


def test_close_leaves_no_process_behind(tmp_path):
    engine = EngineClient(job=stand_in_job, cache="")
    job = engine.submit(request(steps=200), tmp_path / "a.mkv")
    for event in engine.events(30):
        if isinstance(event, JobStep):
            break
    pid = engine.host_pid
    engine.close()
    assert multiprocessing.active_children() == []
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    rest = list(engine.events(timeout=1))
    assert JobCancelled(job) in rest  # the running job was cancelled, not forgotten
    assert engine.poll(0) is None
    with pytest.raises(Exception, match="shut down"):
        engine.submit(request(), tmp_path / "b.mkv")


def test_context_manager_closes_an_idle_host():
    with EngineClient(job=stand_in_job, cache="") as engine:
        deadline = time.monotonic() + 30
        while engine.host_pid is None and time.monotonic() < deadline:
            time.sleep(0.05)
        pid = engine.host_pid
    assert pid is not None
    assert multiprocessing.active_children() == []
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def _running(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting for a reaper has stopped running)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def test_host_stops_by_itself_when_its_client_process_dies(tmp_path):
    # A client process killed outright never gets to close(): its host must notice and exit.
    script = (
        "import sys, time\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_client import stand_in_job, request\n"
        "from studio.engine.client import EngineClient\n"
        "from studio.engine.events import JobStep\n"
        "client = EngineClient(job=stand_in_job, cache='')\n"
        f"job = client.submit(request(steps=1000), {str(tmp_path / 'a.mkv')!r})\n"
        "for event in client.events(60):\n"
        "    if isinstance(event, JobStep):\n"
        "        print(client.host_pid, flush=True)\n"
        "        time.sleep(600)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        host_pid = int(parent.stdout.readline())
        assert _running(host_pid)
        parent.kill()
        parent.wait(10)
        deadline = time.monotonic() + 20
        while _running(host_pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _running(host_pid)
    finally:
        parent.kill()
        parent.wait(10)

"""The window with a real engine host process: a real generation with a tiny model, a host
killed in the middle of a job, and no host left behind when the window closes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from ui_helpers import make_shot, wait_idle

from studio.core.edits import EditShot
from studio.core.jobs import JobState
from studio.engine.client import EngineClient
from studio.media.decode import read_frames

ENGINE_TESTS = Path(__file__).resolve().parents[1] / "engine"


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_killing_the_host_mid_job_fails_that_job_and_the_next_one_runs(make_window, qtbot):
    client = EngineClient(job="ui_host_jobs:slow_job", cache="")
    window = make_window(client=client)
    shot = make_shot(window)
    window.panels.undo.push(EditShot(shot.id, settings={"steps": 30}))
    controller = window.panels.controller
    first, = controller.generate_shot(shot.id)
    window.panels.undo.push(EditShot(shot.id, settings={"steps": 3}))
    second, = controller.generate_shot(shot.id)
    qtbot.waitUntil(lambda: first.progress > 0, timeout=60000)  # it is denoising now
    pid = window.worker.host_pid()
    assert pid is not None and alive(pid)
    os.kill(pid, signal.SIGKILL)
    wait_idle(qtbot, window, timeout=90000)
    assert first.state is JobState.FAILED
    assert "stopped unexpectedly" in first.message
    assert "stopped unexpectedly" in window.panels.queue.row_texts(first.id)["Message"]
    assert second.state is JobState.FINISHED  # a new host took the next job
    assert len(shot.takes) == 1
    new_pid = window.worker.host_pid()
    assert new_pid is not None and new_pid != pid
    window.shutdown()
    assert not alive(new_pid)  # closing the window stopped the host: no orphan


@pytest.mark.slow
def test_generate_with_a_tiny_model_through_the_real_host(make_window, qtbot, tmp_path):
    # Built in a child so torch is never imported into this (GUI) process.
    root = tmp_path / "models"
    build = (f"import sys; sys.path.insert(0, {str(ENGINE_TESTS)!r}); import tiny_models; "
             f"print(tiny_models.build_tiny('wan_vace', {str(root)!r}))")
    out = subprocess.run([sys.executable, "-c", build], check=False, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    model = out.stdout.strip().splitlines()[-1]
    window = make_window(client=EngineClient())
    shot = make_shot(window, "a red car on a street", frames=5)
    window.panels.undo.push(EditShot(shot.id, model=model,
                                     settings={"steps": 2, "fps": 8, "seed_locked": True}))
    with qtbot.waitSignal(window.panels.controller.take_landed, timeout=300000):
        window.panels.storyboard.generate_button.click()
    job = window.session.project.jobs.jobs[0]
    assert job.state is JobState.FINISHED, job.message
    [clip] = window.session.project.timeline.tracks[0].clips()
    media = window.session.project.media_item(clip.media_id)
    frames = read_frames(window.session.path / media.path)
    assert frames.shape == (5, 32, 32, 3)
    assert shot.selected_take.recipe.steps == 2

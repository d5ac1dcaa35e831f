"""Autosave: written after edits settle, offered on open when it holds newer edits."""

import threading

from studio.core.autosave import Autosaver, autosave_status, discard_autosave, write_autosave
from studio.core.bundle import create_project, load_project, save_project
from studio.core.edits import AddShot, UndoStack
from studio.core.jobs import Job, JobState
from studio.core.model import Shot


class FakeClock:
    """A schedule() for Autosaver that fires only when the test says so."""

    def __init__(self):
        self.waiting = []

    def __call__(self, delay, callback):
        call = _Call(delay, callback)
        self.waiting.append(call)
        return call

    def fire_all(self):
        for call in list(self.waiting):
            if not call.cancelled:
                call.callback()
        self.waiting.clear()


class _Call:
    def __init__(self, delay, callback):
        self.delay, self.callback, self.cancelled = delay, callback, False

    def cancel(self):
        self.cancelled = True


def test_edits_are_autosaved_once_after_they_settle_and_offered_on_open(tmp_path):
    root = tmp_path / "Film.studio"
    project = create_project(root, "Film")
    clock = FakeClock()
    saver = Autosaver(project, root, delay=2.0, schedule=clock)
    stack = UndoStack(project)
    for name in ("one", "two", "three"):
        stack.push(AddShot(Shot(name)))
    assert saver.pending
    assert [c.cancelled for c in clock.waiting] == [True, True, False]  # debounced
    assert clock.waiting[-1].delay == 2.0
    assert not (root / "autosave.json").exists()
    clock.fire_all()
    assert not saver.pending

    status = autosave_status(root)
    assert status.exists and status.newer
    assert "newer than the saved project" in status.message
    assert len(load_project(root).shots) == 0  # the saved project is unchanged
    assert load_project(root, use_autosave=True) == project  # the autosave, by choice
    assert load_project(root / "autosave.json") == project  # or named directly

    save_project(project, root)  # a real save supersedes the autosave
    assert not autosave_status(root).exists
    saver.close()


def test_an_autosave_equal_to_the_project_is_not_offered(tmp_path):
    root = tmp_path / "Film.studio"
    project = create_project(root, "Film")
    write_autosave(project, root)
    status = autosave_status(root)
    assert status.exists and not status.newer


def test_a_damaged_autosave_is_not_offered_and_is_left_alone(tmp_path):
    root = tmp_path / "Film.studio"
    create_project(root, "Film")
    (root / "autosave.json").write_text('{"format": "studio.pro')
    status = autosave_status(root)
    assert status.exists and not status.newer and "damaged" in status.message
    assert (root / "autosave.json").read_text() == '{"format": "studio.pro'
    discard_autosave(root)
    assert not autosave_status(root).exists


def test_the_autosave_rescues_a_project_whose_file_was_damaged(tmp_path):
    root = tmp_path / "Film.studio"
    project = create_project(root, "Film")
    project.shots.append(Shot("kept"))
    write_autosave(project, root)
    (root / "project.json").write_bytes(b"\x00\x00garbage")
    assert autosave_status(root).newer
    assert load_project(root, use_autosave=True) == project


def test_flush_writes_now_and_close_stops_listening(tmp_path):
    root = tmp_path / "Film.studio"
    project = create_project(root, "Film")
    clock = FakeClock()
    saver = Autosaver(project, root, schedule=clock)
    stack = UndoStack(project)
    stack.push(AddShot(Shot("one")))
    saver.flush()
    assert load_project(root, use_autosave=True) == project
    saver.close()
    stack.push(AddShot(Shot("two")))
    assert not saver.pending
    assert len(load_project(root, use_autosave=True).shots) == 1


def test_queue_changes_are_autosaved_but_progress_does_not_hold_them_back(tmp_path):
    root = tmp_path / "Film.studio"
    project = create_project(root, "Film")
    clock = FakeClock()
    saver = Autosaver(project, root, schedule=clock)
    job = project.jobs.add(Job(shot_id="s1", request={"prompt": "a red circle"}))
    assert saver.pending
    clock.fire_all()
    assert [j.id for j in load_project(root, use_autosave=True).jobs.jobs] == [job.id]

    project.jobs.update(job.id, JobState.RUNNING)
    assert saver.pending  # a state change is worth keeping
    clock.fire_all()
    for step in range(5):
        project.jobs.update(job.id, progress=step / 5)
    assert not saver.pending  # progress is not
    assert load_project(root, use_autosave=True).jobs.jobs[0].state is JobState.RUNNING
    saver.close()
    project.jobs.update(job.id, JobState.CANCELLED)  # a closed autosaver no longer listens
    assert not saver.pending


def test_the_default_timer_autosaves_from_its_own_thread(tmp_path):
    root = tmp_path / "Film.studio"
    project = create_project(root, "Film")
    saver = Autosaver(project, root, delay=0.05)
    done = threading.Event()
    saver.autosaved.connect(lambda path: done.set())
    UndoStack(project).push(AddShot(Shot("one")))
    assert done.wait(10)
    assert load_project(root, use_autosave=True) == project
    saver.close()

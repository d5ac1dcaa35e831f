"""Generating from the window through the scriptable fake engine: takes land on the timeline,
extends and fills come from timeline actions, jobs can be cancelled, crash, and retry."""

from __future__ import annotations

from ui_helpers import make_shot, wait_idle

from studio.core.edits import DeleteClip, EditShot, Macro, PlaceClip
from studio.core.jobs import JobState
from studio.core.model import Clip, Gap, Mode
from studio.media.decode import read_frames
from studio.ui import dialogs
from studio.ui.dialogs import GenerateOptions
from studio.ui.models import ModelChoice


def clips(window, track=0):
    return window.session.project.timeline.tracks[track].clips()


def test_generate_a_shot_lands_a_take_on_the_timeline(make_window, qtbot, fake_engine):
    window = make_window()
    shot = make_shot(window, frames=5)
    with qtbot.waitSignal(window.panels.controller.take_landed, timeout=20000) as landed:
        window.actions_.actions["generate"].trigger()
    assert landed.args[0] == shot.id
    project = window.session.project
    assert len(shot.takes) == 1 and shot.selected_take_id == landed.args[1]
    [clip] = clips(window)
    assert clip.shot_id == shot.id and clip.take_id == shot.selected_take_id
    media = project.media_item(clip.media_id)
    frames = read_frames(window.session.path / media.path)
    assert frames.shape == (5, 32, 32, 3) and clip.duration == 5
    job = project.jobs.jobs[0]
    assert job.state is JobState.FINISHED and job.take_id == shot.selected_take_id
    assert window.panels.queue.row_texts(job.id)["State"] == "Done"
    assert "1 take" in window.panels.storyboard.card_text(shot.id)
    # The request the engine got is the shot as the inspector set it.
    [(_, request)] = fake_engine.submitted
    assert (request.prompt, request.width, request.frames, request.steps) == (
        shot.prompt, 32, 5, 2)


def test_variations_make_takes_and_one_clip_and_undo_removes_a_take(make_window, qtbot):
    window = make_window()
    shot = make_shot(window)
    window.panels.storyboard.count.setValue(3)
    window.panels.storyboard.generate_button.click()
    wait_idle(qtbot, window)
    assert len(shot.takes) == 3
    assert len({t.recipe.seed for t in shot.takes}) == 3  # unlocked seed: rolled per take
    assert len(clips(window)) == 1
    assert window.panels.takes.list.count() == 3
    window.actions_.actions["undo"].trigger()  # the last take, with its media, goes
    assert len(shot.takes) == 2
    window.actions_.actions["redo"].trigger()
    assert len(shot.takes) == 3


def test_choosing_another_take_swaps_the_clip_in_place(make_window, qtbot):
    window = make_window()
    shot = make_shot(window)
    window.panels.controller.generate_shot(shot.id, 2)
    wait_idle(qtbot, window)
    [clip] = clips(window)
    first = shot.takes[0].id
    assert clip.take_id == first
    window.panels.takes.view_take(shot.takes[1].id)
    window.panels.takes.use_button.click()
    [clip] = clips(window)
    assert shot.selected_take_id == shot.takes[1].id and clip.take_id == shot.takes[1].id
    window.panels.undo.undo()
    assert clips(window)[0].take_id == first and shot.selected_take_id == first


def test_extend_forward_from_the_timeline_inserts_the_new_frames(make_window, qtbot,
                                                                 fake_engine, monkeypatch):
    window = make_window()
    window.catalog.set_choices([ModelChoice("demo", "demo", frozenset(Mode), "any frames",
                                            spatial=16, temporal=4)])
    shot = make_shot(window, frames=9)
    window.panels.controller.generate_shot(shot.id)
    wait_idle(qtbot, window)
    [clip] = clips(window)
    asked = []
    monkeypatch.setattr(dialogs, "ask_extend", lambda parent, direction, prompt, frames, rate:
                        asked.append((direction, prompt)) or GenerateOptions("it keeps going", 8))
    window.panels.timeline.extend_requested.emit(clip.id, "forward")
    wait_idle(qtbot, window)
    assert asked == [("forward", shot.prompt)]
    first, second = clips(window)
    assert first.id == clip.id and second.duration == 8
    track = window.session.project.timeline.tracks[0]
    assert track.range_in_parent(second.id).start == 9
    extension = window.session.project.shot(second.shot_id)
    assert extension.mode is Mode.EXTEND_FORWARD and extension.prompt == "it keeps going"
    _, request = fake_engine.submitted[-1]
    assert request.mode is Mode.EXTEND_FORWARD and request.output_frames == 8
    assert request.frames % 4 == 1  # fitted to the model's 4k+1 rule by pinning more frames
    pinned = request.pins[0].frames
    source = read_frames(window.session.path / window.session.project.media_item(
        clip.media_id).path)
    tail = source[-len(pinned):].astype(int)
    assert abs(tail - pinned.astype(int)).mean() < 2  # the clip's last frames lead in
    # Another take of the extension is an extension again, kept beside the first.
    window.panels.controller.generate_shot(extension.id)
    wait_idle(qtbot, window)
    _, again = fake_engine.submitted[-1]
    assert again.mode is Mode.EXTEND_FORWARD and again.output_frames == 8
    assert len(extension.takes) == 2 and len(clips(window)) == 2


def test_fill_gap_from_the_timeline_fills_it_exactly(make_window, qtbot, fake_engine,
                                                     monkeypatch):
    window = make_window()
    a = make_shot(window, "a red circle", frames=9)
    b = make_shot(window, "a blue square", frames=9)
    window.panels.controller.generate_shot(a.id)
    window.panels.controller.generate_shot(b.id)
    wait_idle(qtbot, window)
    track = window.session.project.timeline.tracks[0]
    second = track.clips()[1]
    moved = Clip(second.name, second.media_id, second.source_range, second.shot_id,
                 second.take_id)
    window.panels.undo.push(Macro("Move", [DeleteClip(second.id, ripple=True),
                                           PlaceClip(track.id, moved, 15)]))
    gap = next(item for item in track.items if isinstance(item, Gap))
    assert gap.duration == 6
    monkeypatch.setattr(dialogs, "ask_fill", lambda parent, prompt, frames, rate:
                        GenerateOptions("the circle turns into a square", frames))
    window.panels.timeline.fill_gap_requested.emit(track.id, gap.id)
    wait_idle(qtbot, window)
    assert not any(isinstance(item, Gap) for item in track.items)
    names = [window.session.project.shot(c.shot_id).mode for c in track.clips()]
    assert names == [Mode.TEXT, Mode.INFILL, Mode.TEXT]
    assert track.range_in_parent(track.clips()[2].id).start == 15  # B did not move
    _, request = fake_engine.submitted[-1]
    assert request.mode is Mode.INFILL and request.output_frames == 6


def test_cancel_a_running_job_and_the_next_one_runs(make_window, qtbot, fake_engine):
    window = make_window()
    shot = make_shot(window)
    fake_engine.hold_next()
    controller = window.panels.controller
    with qtbot.waitSignal(controller.job_updated, timeout=10000):
        first, = controller.generate_shot(shot.id)
    second, = controller.generate_shot(shot.id)
    assert first.state is JobState.RUNNING and second.state is JobState.QUEUED
    window.panels.queue.select_job(first.id)
    window.panels.queue.cancel_button.click()
    wait_idle(qtbot, window)
    assert first.state is JobState.CANCELLED and second.state is JobState.FINISHED
    assert len(shot.takes) == 1
    assert window.panels.queue.row_texts(first.id)["State"] == "Cancelled"


def test_engine_crash_fails_the_job_with_the_reason_and_the_queue_goes_on(
        make_window, qtbot, fake_engine):
    window = make_window()
    shot = make_shot(window)
    controller = window.panels.controller
    fake_engine.hold_next()
    with qtbot.waitSignal(controller.job_updated, timeout=10000):
        first, = controller.generate_shot(shot.id)
    second, = controller.generate_shot(shot.id)
    fake_engine.crash_running()
    wait_idle(qtbot, window)
    assert first.state is JobState.FAILED
    assert "stopped unexpectedly" in first.message
    assert "stopped unexpectedly" in window.panels.queue.row_texts(first.id)["Message"]
    assert second.state is JobState.FINISHED
    # Retry the failed one from the queue panel.
    window.panels.queue.select_job(first.id)
    assert window.panels.queue.retry_button.isEnabled()
    window.panels.queue.retry_button.click()
    wait_idle(qtbot, window)
    assert first.state is JobState.FINISHED and len(shot.takes) == 2


def test_a_bad_request_fails_with_a_plain_message(make_window, qtbot):
    window = make_window()
    shot = make_shot(window)
    window.panels.undo.push(EditShot(shot.id, settings={"width": 4}))
    job, = window.panels.controller.generate_shot(shot.id)
    wait_idle(qtbot, window)
    assert job.state is JobState.FAILED and "width" in job.message


def test_queue_reorders_and_cancel_all(make_window, qtbot, fake_engine):
    window = make_window()
    shot = make_shot(window)
    controller = window.panels.controller
    fake_engine.hold_next()
    with qtbot.waitSignal(controller.job_updated, timeout=10000):
        running, = controller.generate_shot(shot.id)
    a, = controller.generate_shot(shot.id)
    b, = controller.generate_shot(shot.id)
    queue = window.panels.queue
    queue.select_job(b.id)
    queue.up_button.click()
    assert [j.id for j in controller.jobs.jobs] == [running.id, b.id, a.id]
    queue.cancel_all_button.click()
    wait_idle(qtbot, window)
    assert {j.state for j in controller.jobs.jobs} == {JobState.CANCELLED}
    queue.clear_button.click()
    assert controller.jobs.jobs == []


def test_generate_missing_only_queues_shots_without_takes(make_window, qtbot):
    window = make_window()
    a = make_shot(window, "one")
    window.panels.controller.generate_shot(a.id)
    wait_idle(qtbot, window)
    b = make_shot(window, "two")
    window.panels.storyboard.add_shot()  # no prompt: nothing to generate
    window.actions_.actions["generate_missing"].trigger()
    wait_idle(qtbot, window)
    assert len(a.takes) == 1 and len(b.takes) == 1
    assert [c.shot_id for c in clips(window)] == [a.id, b.id]


def test_the_queue_survives_a_restart(make_window, qtbot, tmp_path, fake_engine):
    from fake_engine import FakeEngineClient

    window = make_window()
    shot = make_shot(window)
    controller = window.panels.controller
    fake_engine.hold_next()
    with qtbot.waitSignal(controller.job_updated, timeout=10000):
        running, = controller.generate_shot(shot.id)
    waiting, = controller.generate_shot(shot.id)
    target = tmp_path / "Queue.studio"
    assert window.save_as(target)
    window.shutdown()  # the studio stops with one job running and one waiting

    again = make_window(str(target), client=FakeEngineClient())
    jobs = again.session.project.jobs.jobs
    assert [j.id for j in jobs] == [running.id, waiting.id]
    wait_idle(qtbot, again)
    assert [j.state for j in jobs] == [JobState.FINISHED, JobState.FINISHED]
    assert len(again.session.project.shot(shot.id).takes) == 2

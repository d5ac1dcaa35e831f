"""The timeline editor driven with real mouse and key events (pytest-qt, offscreen)."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QWheelEvent
from PySide6.QtWidgets import QApplication

from studio.core.edits import TrimClip, UndoStack
from studio.core.model import Clip, FrameRange, Gap, MediaItem, Project, Recipe, Shot, Take, Track
from studio.ui.timeline import MEDIA_MIME, TAKE_MIME, ClipItem, GapItem, TimelineView
from studio.ui.timeline.style import TRACK_HEIGHT, TRACK_SPACING

LEFT = Qt.MouseButton.LeftButton
NO_MOD = Qt.KeyboardModifier.NoModifier


def make_project() -> Project:
    """V1: A [0, 24)  gap [24, 36)  B [36, 60);  V2: gap [0, 12)  C [12, 36)."""
    project = Project(name="Cut", rate=Fraction(24), width=64, height=36)
    for name in ("a", "b", "c", "d"):
        project.media.append(MediaItem(name, f"media/{name}.mp4", frames=48, width=64, height=36))
    a, b, c, _ = project.media
    v1 = project.timeline.tracks[0]
    v1.items = [
        Clip("A", a.id, FrameRange(0, 24)),
        Gap(12),
        Clip("B", b.id, FrameRange(4, 24)),
    ]
    v2 = Track("V2", items=[Gap(12), Clip("C", c.id, FrameRange(0, 24))])
    project.timeline.tracks.append(v2)
    return project


@pytest.fixture
def project() -> Project:
    return make_project()


@pytest.fixture
def stack(project: Project) -> UndoStack:
    return UndoStack(project)


@pytest.fixture
def view(qtbot, project: Project, stack: UndoStack) -> TimelineView:
    widget = TimelineView(project, stack)
    qtbot.addWidget(widget)
    widget.resize(900, 240)
    widget.show()
    qtbot.waitExposed(widget)
    widget.setFocus()
    return widget


def clip(project: Project, name: str) -> Clip:
    for track in project.timeline.tracks:
        for item in track.clips():
            if item.name == name:
                return item
    raise KeyError(name)


def placement(project: Project, name: str) -> tuple[str, int, int]:
    """(track name, start frame, duration) of the clip called `name`."""
    item = clip(project, name)
    track, _ = project.timeline.find_item(item.id)
    where = track.range_in_parent(item.id)
    return track.name, where.start, where.duration


def point(view: TimelineView, item_id: str, frame_offset: float) -> QPoint:
    """A viewport point inside an item, `frame_offset` frames from its start."""
    item = view.item(item_id)
    x = view.frame_to_x(item.start + frame_offset)
    y = view.mapFromScene(QPointF(0, item.track_item.y() + TRACK_HEIGHT / 2)).y()
    return QPoint(round(x), y)


def row_y(view: TimelineView, track_name: str) -> int:
    for track_item in view.track_items.values():
        if track_item.track.name == track_name:
            return view.mapFromScene(QPointF(0, track_item.y() + TRACK_HEIGHT / 2)).y()
    raise KeyError(track_name)


def drag(qtbot, view: TimelineView, start: QPoint, end: QPoint) -> None:
    viewport = view.viewport()
    qtbot.mousePress(viewport, LEFT, NO_MOD, start)
    for step in range(1, 5):
        qtbot.mouseMove(viewport, start + (end - start) * (step / 4))
    qtbot.mouseRelease(viewport, LEFT, NO_MOD, end)


def test_scene_has_one_item_per_model_item_at_frame_times_scale(view, project):
    clips = [c for t in project.timeline.tracks for c in t.clips()]
    items = view.clip_items()
    assert sorted(i.clip.id for i in items) == sorted(c.id for c in clips)
    assert len(view.gap_items()) == 2
    scale = view.scale_x
    for item in items:
        track, _ = project.timeline.find_item(item.clip.id)
        start = track.range_in_parent(item.clip.id).start
        assert item.scenePos().x() == start
        assert view.mapFromScene(item.scenePos()).x() == round(start * scale)
        assert view.frame_to_x(start) == pytest.approx(start * scale)
    # The last track is the top row, as in every editor.
    assert row_y(view, "V2") < row_y(view, "V1")


def test_click_selects_and_ctrl_click_adds(qtbot, view, project):
    a, b = clip(project, "A"), clip(project, "B")
    with qtbot.waitSignal(view.selection_changed) as blocker:
        qtbot.mouseClick(view.viewport(), LEFT, NO_MOD, point(view, a.id, 10))
    assert blocker.args == [[a.id]]
    ctrl = Qt.KeyboardModifier.ControlModifier
    qtbot.mouseClick(view.viewport(), LEFT, ctrl, point(view, b.id, 10))
    assert view.selected_ids() == [a.id, b.id]
    assert view.item(a.id).selected and view.item(b.id).selected
    qtbot.mouseClick(view.viewport(), LEFT, ctrl, point(view, a.id, 10))
    assert view.selected_ids() == [b.id]
    with qtbot.waitSignal(view.clip_activated) as activated:
        qtbot.mouseDClick(view.viewport(), LEFT, NO_MOD, point(view, b.id, 10))
    assert activated.args == [b.id]


def test_drag_moves_a_clip_and_undo_puts_it_back(qtbot, view, project, stack):
    view.set_snapping(False)
    b = clip(project, "B")
    start = point(view, b.id, 12)
    drag(qtbot, view, start, start + QPoint(round(10 * view.scale_x), 0))
    assert placement(project, "B") == ("V1", 46, 24)
    assert view.item(b.id).scenePos().x() == 46
    stack.undo()
    assert placement(project, "B") == ("V1", 36, 24)
    assert view.item(b.id).scenePos().x() == 36


def test_drag_moves_a_clip_to_another_track(qtbot, view, project, stack):
    view.set_snapping(False)
    c = clip(project, "C")
    start = point(view, c.id, 5)
    end = QPoint(start.x() + round(60 * view.scale_x), row_y(view, "V1"))
    drag(qtbot, view, start, end)
    assert placement(project, "C") == ("V1", 72, 24)
    assert project.timeline.tracks[1].clips() == []
    stack.undo()
    assert placement(project, "C") == ("V2", 12, 24)


def test_dragging_a_selection_moves_all_of_it_in_one_undo_step(qtbot, view, project, stack):
    view.set_snapping(False)
    a, b = clip(project, "A"), clip(project, "B")
    view.select([a.id, b.id])
    start = point(view, a.id, 12)
    drag(qtbot, view, start, start + QPoint(round(5 * view.scale_x), 0))
    assert placement(project, "A") == ("V1", 5, 24)
    assert placement(project, "B") == ("V1", 41, 24)
    assert placement(project, "C") == ("V2", 12, 24)
    assert view.selected_ids() == [a.id, b.id]
    stack.undo()
    assert placement(project, "A") == ("V1", 0, 24)
    assert placement(project, "B") == ("V1", 36, 24)


def test_dragging_edges_trims_the_clip(qtbot, view, project, stack):
    view.set_snapping(False)
    b = clip(project, "B")
    # The end edge six frames earlier: B is six frames shorter, its start stays.
    end_edge = point(view, b.id, 24) - QPoint(2, 0)
    drag(qtbot, view, end_edge, end_edge - QPoint(round(6 * view.scale_x), 0))
    assert placement(project, "B") == ("V1", 36, 18)
    # The start edge four frames later: B starts later in the cut and in its media.
    start_edge = point(view, b.id, 0) + QPoint(2, 0)
    drag(qtbot, view, start_edge, start_edge + QPoint(round(4 * view.scale_x), 0))
    assert placement(project, "B") == ("V1", 40, 14)
    assert clip(project, "B").source_range == FrameRange(8, 14)
    # Growing the start back past the gap stops at the clip before it (A ends at 24).
    start_edge = point(view, b.id, 0) + QPoint(2, 0)
    drag(qtbot, view, start_edge, start_edge - QPoint(round(30 * view.scale_x), 0))
    assert placement(project, "B")[1] == 32  # B's media starts 8 frames before: no further
    stack.undo()
    stack.undo()
    stack.undo()
    assert placement(project, "B") == ("V1", 36, 24)


def test_s_splits_at_the_playhead(qtbot, view, project, stack):
    view.set_playhead(10)
    qtbot.keyClick(view, Qt.Key.Key_S)
    v1 = project.timeline.tracks[0]
    assert [(c.name, v1.range_in_parent(c.id).start, c.duration) for c in v1.clips()] == [
        ("A", 0, 10), ("A", 10, 14), ("B", 36, 24)]
    assert placement(project, "C") == ("V2", 12, 24)  # not under the playhead
    assert len([i for i in view.clip_items() if i.clip.name == "A"]) == 2
    stack.undo()
    assert [c.duration for c in v1.clips()] == [24, 24]


def test_delete_leaves_a_gap_and_shift_delete_closes_it(qtbot, view, project, stack):
    a = clip(project, "A")
    qtbot.mouseClick(view.viewport(), LEFT, NO_MOD, point(view, a.id, 5))
    qtbot.keyClick(view, Qt.Key.Key_Delete)
    assert [c.name for c in project.timeline.tracks[0].clips()] == ["B"]
    assert placement(project, "B") == ("V1", 36, 24)
    assert view.selected_ids() == []
    stack.undo()
    qtbot.mouseClick(view.viewport(), LEFT, NO_MOD, point(view, a.id, 5))
    qtbot.keyClick(view, Qt.Key.Key_Delete, Qt.KeyboardModifier.ShiftModifier)
    assert placement(project, "B") == ("V1", 12, 24)
    stack.undo()
    assert placement(project, "A") == ("V1", 0, 24)
    assert placement(project, "B") == ("V1", 36, 24)


def test_moves_snap_to_clip_edges_and_the_playhead(qtbot, view, project, stack):
    c = clip(project, "C")
    # One frame short of B's end (60): snaps so C ends exactly there.
    start = point(view, c.id, 5)
    drag(qtbot, view, start, start + QPoint(round(23 * view.scale_x), 0))
    assert placement(project, "C") == ("V2", 36, 24)
    stack.undo()
    # One frame after the playhead: snaps onto it.
    view.set_playhead(80)
    start = point(view, c.id, 5)
    drag(qtbot, view, start, start + QPoint(round(69 * view.scale_x), 0))
    assert placement(project, "C") == ("V2", 80, 24)
    stack.undo()
    # With snapping off (N) the same drag lands where it was dropped.
    qtbot.keyClick(view, Qt.Key.Key_N)
    assert not view.snapping
    start = point(view, c.id, 5)
    drag(qtbot, view, start, start + QPoint(round(69 * view.scale_x), 0))
    assert placement(project, "C") == ("V2", 81, 24)


def test_zoom_keeps_the_playhead_where_it_is(qtbot, view, project):
    view.set_scale(20)
    view.set_playhead(50)  # off screen at this zoom: the view pages along to show it
    x = view.frame_to_x(50)
    assert 0 < x < view.viewport().width()
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.scale_x > 20
    assert view.frame_to_x(50) == pytest.approx(x, abs=1)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.scale_x < 20
    assert view.frame_to_x(50) == pytest.approx(x, abs=1)
    assert view.item(clip(project, "B").id).scenePos().x() == 36  # items stay in frames
    # Ctrl+wheel zooms the same way.
    scale = view.scale_x
    centre = QPointF(view.viewport().rect().center())
    wheel = QWheelEvent(centre, QPointF(view.mapToGlobal(centre.toPoint())), QPoint(0, 0),
                        QPoint(0, 120), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.ControlModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.scale_x == pytest.approx(scale * 1.25)
    assert view.frame_to_x(50) == pytest.approx(x, abs=1)
    view.zoom_to_fit()
    assert view.frame_to_x(project.timeline.duration) <= view.viewport().width()
    qtbot.keyClick(view, Qt.Key.Key_End)
    assert view.playhead == project.timeline.duration - 1
    qtbot.keyClick(view, Qt.Key.Key_Home)
    assert view.playhead == 0
    # Down / Up step through the cuts of every track: 12 (C), 24 (A), 36 (B, C).
    cuts = []
    for _ in range(3):
        qtbot.keyClick(view, Qt.Key.Key_Down)
        cuts.append(view.playhead)
    assert cuts == [12, 24, 36]
    qtbot.keyClick(view, Qt.Key.Key_Up)
    assert view.playhead == 24


def test_clicking_the_ruler_moves_the_playhead(qtbot, view):
    moves: list[int] = []
    view.playhead_moved.connect(moves.append)
    qtbot.mouseClick(view.viewport(), LEFT, NO_MOD, QPoint(round(view.frame_to_x(42)), 10))
    assert view.playhead == 42
    assert moves == [42]
    assert view.playhead_item.x() == 42
    view.set_playhead(42)  # no change, no signal: the viewer and timeline can follow each other
    assert moves == [42]


def _action(menu, prefix: str):
    for action in menu.actions():
        if action.text().startswith(prefix):
            return action
    raise AssertionError(f"no {prefix!r} in {[a.text() for a in menu.actions()]}")


def test_extend_actions_sit_at_the_end_that_was_clicked(qtbot, view, project):
    b = clip(project, "B")
    menu = view.menus.menu_at(QPointF(point(view, b.id, 22)))
    assert menu.actions()[0].text().startswith("Extend forward")
    with qtbot.waitSignal(view.extend_requested) as blocker:
        _action(menu, "Extend forward").trigger()
    assert blocker.args == [b.id, "forward"]
    menu = view.menus.menu_at(QPointF(point(view, b.id, 2)))
    assert menu.actions()[0].text().startswith("Extend backward")
    with qtbot.waitSignal(view.extend_requested) as blocker:
        _action(menu, "Extend backward").trigger()
    assert blocker.args == [b.id, "backward"]
    # The same from the keyboard on the selected clip.
    with qtbot.waitSignal(view.extend_requested) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_E, Qt.KeyboardModifier.ShiftModifier)
    assert blocker.args == [b.id, "backward"]


def test_fill_gap_only_between_two_clips(qtbot, view, project):
    v1, v2 = project.timeline.tracks
    between = v1.items[1]
    assert isinstance(between, Gap)
    menu = view.menus.menu_at(QPointF(point(view, between.id, 6)))
    fill = _action(menu, "Fill gap")
    assert fill.isEnabled()
    with qtbot.waitSignal(view.fill_gap_requested) as blocker:
        fill.trigger()
    assert blocker.args == [v1.id, between.id]
    leading = v2.items[0]
    menu = view.menus.menu_at(QPointF(point(view, leading.id, 6)))
    assert not _action(menu, "Fill gap").isEnabled()
    # Selecting the gap and pressing F asks for the same.
    qtbot.mouseClick(view.viewport(), LEFT, NO_MOD, point(view, between.id, 6))
    assert isinstance(view.item(between.id), GapItem) and view.item(between.id).selected
    with qtbot.waitSignal(view.fill_gap_requested) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_F)
    assert blocker.args == [v1.id, between.id]


def _drop(view: TimelineView, mime: QMimeData, pos: QPoint) -> None:
    """What Qt delivers while a drag from another panel crosses the timeline and is let go."""
    copy = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(pos, copy, mime, LEFT, NO_MOD)
    QApplication.sendEvent(view.viewport(), enter)
    assert enter.isAccepted()
    move = QDragMoveEvent(pos, copy, mime, LEFT, NO_MOD)
    QApplication.sendEvent(view.viewport(), move)
    assert view.drops.marker.isVisible()  # where it will land is shown
    QApplication.sendEvent(view.viewport(), QDropEvent(QPointF(pos), copy, mime, LEFT, NO_MOD))
    assert not view.drops.marker.isVisible()


def test_dropping_media_and_takes_places_clips(qtbot, view, project, stack):
    view.set_snapping(False)
    d = project.media[3]
    mime = QMimeData()
    mime.setData(MEDIA_MIME, json.dumps({"media_id": d.id}).encode())
    _drop(view, mime, QPoint(round(view.frame_to_x(70)), row_y(view, "V1")))
    assert placement(project, "d") == ("V1", 70, 48)
    shot = Shot("Harbour at dawn")
    shot.takes.append(Take(d.id, Recipe("demo")))
    project.shots.append(shot)
    mime = QMimeData()
    mime.setData(TAKE_MIME, json.dumps({"shot_id": shot.id, "take_id": shot.takes[0].id}).encode())
    _drop(view, mime, QPoint(round(view.frame_to_x(40)), row_y(view, "V2")))
    placed = clip(project, "Harbour at dawn")
    assert (placed.shot_id, placed.take_id) == (shot.id, shot.takes[0].id)
    assert placement(project, "Harbour at dawn") == ("V2", 40, 48)
    assert view.selected_ids() == [placed.id]
    stack.undo()
    stack.undo()
    assert [c.name for c in project.timeline.tracks[0].clips()] == ["A", "B"]
    assert isinstance(view.clip_items()[0], ClipItem)


def test_a_selected_gap_stays_selected_through_an_edit_after_it(qtbot, view, project, stack):
    v1 = project.timeline.tracks[0]
    between = v1.items[1]
    qtbot.mouseClick(view.viewport(), LEFT, NO_MOD, point(view, between.id, 6))
    assert view.selected_ids() == [between.id]
    stack.push(TrimClip(clip(project, "B").id, "end", -4))  # e.g. from the inspector
    assert view.selected_ids() == [between.id] and view.item(between.id).selected
    with qtbot.waitSignal(view.fill_gap_requested) as blocker:
        qtbot.keyClick(view, Qt.Key.Key_F)
    assert blocker.args == [v1.id, between.id]


def test_dropping_under_the_lowest_track_makes_a_new_track_for_the_clip(qtbot, view, project, stack):
    view.set_snapping(False)
    before = [t.name for t in project.timeline.tracks]
    d = project.media[3]
    mime = QMimeData()
    mime.setData(MEDIA_MIME, json.dumps({"media_id": d.id}).encode())
    under = row_y(view, "V1") + TRACK_HEIGHT + TRACK_SPACING
    _drop(view, mime, QPoint(round(view.frame_to_x(12)), under))
    lowest = project.timeline.tracks[0]
    assert [t.name for t in project.timeline.tracks] == ["V3", *before]
    assert placement(project, "d") == ("V3", 12, 48)
    # It is drawn where it was dropped, under the old lowest track, and the clip is selected.
    assert view.track_items[lowest.id].y() > view.track_items[project.timeline.tracks[1].id].y()
    assert view.selected_ids() == [clip(project, "d").id]
    # One undo takes back the clip and the track together.
    stack.undo()
    assert [t.name for t in project.timeline.tracks] == before
    # A drop on the lowest track itself still lands on it.
    _drop(view, mime, QPoint(round(view.frame_to_x(70)), row_y(view, "V1")))
    assert placement(project, "d") == ("V1", 70, 48)

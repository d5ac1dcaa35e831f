"""The storyboard, inspector, media pool and takes panels, driven as a user would."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication
from ui_helpers import make_shot, wait_idle

from studio.core.model import MediaKind, Mode
from studio.ui.models import ModelChoice
from studio.ui.shot_list import SHOT_MIME


def drop_on(widget, mime: QMimeData, row: int) -> None:
    """Drop `mime` onto the list's `row` (its upper half), as a drag would end."""
    rect = widget.visualItemRect(widget.item(row)) if row < widget.count() else None
    y = rect.top() + 2 if rect is not None else widget.viewport().height() - 2
    event = QDropEvent(QPointF(10, y), Qt.DropAction.MoveAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)


def test_storyboard_add_duplicate_reorder_delete_with_undo(make_window):
    window = make_window()
    board = window.panels.storyboard
    project = window.session.project
    one = make_shot(window, "one")
    board.duplicate_button.click()
    two = make_shot(window, "two")
    assert [s.prompt for s in project.shots] == ["one", "one", "two"]
    assert project.shots[1].name != project.shots[0].name
    mime = QMimeData()
    mime.setData(SHOT_MIME, two.id.encode())
    drop_on(board.list, mime, 0)  # drag "two" to the top
    assert [s.prompt for s in project.shots] == ["two", "one", "one"]
    assert board.card_text(two.id).splitlines()[1] == "two"
    assert board.list.item(0).data(Qt.ItemDataRole.UserRole) == two.id
    board.select_shot(one.id)
    board.list.setFocus()
    window.actions_.actions["delete"].trigger()
    assert one.id not in [s.id for s in project.shots]
    window.actions_.actions["undo"].trigger()
    assert [s.id for s in project.shots][1] == one.id
    assert board.list.count() == 3
    board.select_shot(two.id)
    board.rename_selected("Opening")
    assert two.name == "Opening" and board.card_text(two.id).startswith("Opening")


def test_dropping_an_image_makes_an_image_to_video_shot(make_window, qtbot, tmp_path,
                                                        fake_engine):
    import cv2

    image = tmp_path / "still.png"
    cv2.imwrite(str(image), np.full((24, 40, 3), (10, 200, 30), np.uint8))
    window = make_window()
    board = window.panels.storyboard
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(image))])
    with qtbot.waitSignal(window.panels.media.imported, timeout=60000):
        drop_on(board.list, mime, 0)
    project = window.session.project
    [shot] = project.shots
    assert shot.mode is Mode.IMAGE
    media = project.media_item(shot.references[0])
    assert media.kind is MediaKind.IMAGE and (window.session.path / media.path).is_file()
    assert window.panels.media.list.count() == 1
    from studio.core.edits import EditShot

    window.panels.undo.push(EditShot(shot.id, prompt="the green field sways",
                                     settings={"width": 32, "height": 32, "frames": 5}))
    window.panels.controller.generate_shot(shot.id)
    wait_idle(qtbot, window)
    _, request = fake_engine.submitted[-1]
    assert request.mode is Mode.IMAGE
    assert tuple(request.pins[0].frames[0, 0, 0]) == (30, 200, 10)  # BGR on disk, RGB pinned


def test_inspector_edits_are_undoable_commands(make_window):
    window = make_window()
    window.catalog.set_choices([ModelChoice("demo", "demo", frozenset(Mode), "any frames")])
    shot = make_shot(window, "before")
    inspector = window.panels.inspector
    assert inspector.shot_id == shot.id
    inspector.prompt.setPlainText("after")
    inspector.prompt.editing_finished.emit()
    inspector.steps.setValue(7)
    inspector.steps.editingFinished.emit()
    assert shot.prompt == "after" and shot.settings.steps == 7
    window.actions_.actions["undo"].trigger()
    assert shot.settings.steps == 2 and inspector.steps.value() == 2
    window.actions_.actions["undo"].trigger()
    assert shot.prompt == "before" and inspector.prompt.toPlainText() == "before"
    seed = shot.settings.seed
    inspector.dice.click()
    assert shot.settings.seed != seed
    inspector.seed_lock.click()
    assert shot.settings.seed_locked and inspector.seed_lock.text() == "Locked"
    inspector.seconds.setValue(2.0)  # 2 s at the project's 24 fps, rounded to the model's 4k+1
    inspector.seconds.editingFinished.emit()
    assert shot.settings.frames == 49


def test_inspector_offers_only_models_that_can_do_the_mode(make_window):
    window = make_window()
    window.catalog.set_choices([
        ModelChoice("demo", "demo (Wan VACE)", frozenset(Mode), "any frames"),
        ModelChoice("wan-t2v", "wan-t2v (Wan)", frozenset({Mode.TEXT}), "nothing"),
        ModelChoice("broken", "broken", frozenset(), "nothing", problem="it has no VAE"),
    ])
    shot = make_shot(window)
    from studio.core.edits import EditShot

    window.panels.undo.push(EditShot(shot.id, mode=Mode.INFILL))
    combo = window.panels.inspector.model
    items = {combo.model().item(r).data(Qt.ItemDataRole.UserRole): combo.model().item(r)
             for r in range(combo.count())}
    assert items["demo"].isEnabled()
    assert not items["wan-t2v"].isEnabled()
    assert "cannot do infill" in items["wan-t2v"].toolTip()
    assert not items["broken"].isEnabled() and items["broken"].toolTip() == "it has no VAE"


def test_locked_seed_counts_up_for_variations(make_window, qtbot, fake_engine):
    window = make_window()
    shot = make_shot(window)
    from studio.core.edits import EditShot

    window.panels.undo.push(EditShot(shot.id, settings={"seed": 41, "seed_locked": True}))
    window.panels.controller.generate_shot(shot.id, 3)
    wait_idle(qtbot, window)
    assert [r.seed for _, r in fake_engine.submitted] == [41, 42, 43]


def test_select_all_selects_every_clip_on_the_timeline(make_window, qtbot):
    window = make_window()
    for prompt in ("one", "two"):
        window.panels.controller.generate_shot(make_shot(window, prompt).id)
    wait_idle(qtbot, window)
    window.show()
    window.activateWindow()
    window.panels.timeline.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.panels.timeline)
    window.actions_.actions["select_all"].trigger()
    assert len(window.panels.timeline.selected_ids()) == 2
    window.actions_.actions["delete"].trigger()
    assert window.session.project.timeline.tracks[0].clips() == []
    window.actions_.actions["undo"].trigger()
    assert len(window.session.project.timeline.tracks[0].clips()) == 2

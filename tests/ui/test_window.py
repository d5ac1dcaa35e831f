"""The main window as a user meets it: panels, menus, title, saving, opening, closing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from PySide6.QtWidgets import QDockWidget, QMessageBox
from ui_helpers import make_shot, wait_idle

from studio.core import bundle
from studio.core.edits import EditShot
from studio.ui import dialogs

REPO = Path(__file__).resolve().parents[2]


def test_window_has_every_panel_and_menu(make_window):
    window = make_window()
    names = {dock.objectName() for dock in window.findChildren(QDockWidget)}
    assert {"storyboard", "viewer", "timeline", "inspector", "queue", "media"} <= names
    menus = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert menus == ["File", "Edit", "Generate", "View", "Help"]
    for name in ("new", "open", "save", "save_as", "import", "undo", "redo", "delete",
                 "select_all", "default_layout", "about", "diagnostics"):
        assert name in window.actions_.actions
    assert window.actions_.actions["save"].shortcut().toString() == "Ctrl+S"
    assert window.windowTitle().startswith("Untitled")


def test_opening_the_window_does_not_import_torch(tmp_path):
    # A fresh interpreter: the test process itself may have imported torch for other tests.
    code = textwrap.dedent(f"""
        import os, sys
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        os.environ["STUDIO_HOME"] = {str(tmp_path / "home")!r}
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from PySide6.QtCore import QSettings
        from PySide6.QtWidgets import QApplication
        app = QApplication([])
        from fake_engine import FakeEngineClient
        from studio.app import build_window
        settings = QSettings({str(tmp_path / "s.ini")!r}, QSettings.Format.IniFormat)
        window = build_window(None, client_factory=FakeEngineClient, settings=settings)
        window.show()
        app.processEvents()
        window.shutdown()
        print("torch" in sys.modules, "diffusers" in sys.modules)
    """)
    out = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True,
                         text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-2:] == ["False", "False"]


def test_title_marks_unsaved_changes_and_save_clears_it(make_window, tmp_path):
    window = make_window()
    make_shot(window)
    assert "*" in window.windowTitle()
    target = tmp_path / "Film.studio"
    assert window.save_as(target)
    assert window.windowTitle().startswith("Film —") and "*" not in window.windowTitle()
    assert (target / "project.json").is_file()
    window.panels.undo.undo()
    assert window.windowTitle().startswith("Film*")


def test_save_and_reopen_keeps_shots_takes_and_timeline(make_window, tmp_path, qtbot):
    window = make_window()
    shot = make_shot(window)
    window.panels.controller.generate_shot(shot.id)
    wait_idle(qtbot, window)
    target = tmp_path / "Reel.studio"
    assert window.save_as(target)
    clip = window.session.project.timeline.tracks[0].clips()[0]
    media = window.session.project.media_item(clip.media_id)
    assert (target / media.path).is_file()  # generated media travelled with Save As

    again = make_window(str(target))
    project = again.session.project
    assert [s.prompt for s in project.shots] == [shot.prompt]
    assert len(project.shots[0].takes) == 1
    assert project.timeline.tracks[0].clips()[0].id == clip.id
    assert again.panels.storyboard.list.count() == 1
    assert "1 take" in again.panels.storyboard.card_text(project.shots[0].id)


def test_damaged_project_is_refused_with_a_dialog(make_window, tmp_path, monkeypatch):
    broken = tmp_path / "Broken.studio"
    bundle.create_project(broken, "Broken")
    (broken / "project.json").write_text('{"schema_version": 1, "project": {"name": 3', "utf-8")
    shown = []
    monkeypatch.setattr(QMessageBox, "critical",
                        staticmethod(lambda parent, title, text, *a: shown.append((title, text))))
    window = make_window(str(broken))
    assert shown and shown[0][0] == "Cannot Open Project"
    assert "project.json" in shown[0][1]
    assert window.session.untitled  # the window stays usable on an empty project
    assert (broken / "project.json").read_text("utf-8").endswith('"name": 3')  # untouched


def test_closing_with_unsaved_changes_asks(make_window, monkeypatch):
    window = make_window()
    make_shot(window)
    answers = [QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Discard]
    asked = []
    monkeypatch.setattr(dialogs, "ask_save", lambda parent, name: asked.append(name)
                        or answers.pop(0))
    window.show()
    assert not window.close()  # Cancel keeps the window and the work
    assert window.isVisible() and len(window.session.project.shots) == 1
    assert window.close()  # Discard closes
    assert asked == ["Untitled", "Untitled"]


def test_stored_autosave_is_offered_on_open(make_window, tmp_path, monkeypatch):
    target = tmp_path / "Auto.studio"
    window = make_window()
    make_shot(window, "first idea")
    window.save_as(target)
    shot_id = window.session.project.shots[0].id
    window.panels.undo.push(EditShot(shot_id, prompt="second idea, not saved"))
    window.session.autosaver.flush()
    window.session.discard = False
    monkeypatch.setattr(dialogs, "ask_save", lambda *a: QMessageBox.StandardButton.Discard)
    monkeypatch.setattr(dialogs, "ask_recover", lambda parent, message: True)
    # Another window opens the project while this one's autosave is newer than the save.
    assert bundle.autosave_status(target).newer
    other = make_window(str(target))
    assert other.session.project.shots[0].prompt == "second idea, not saved"
    assert "*" in other.windowTitle()  # recovered work is not saved yet


def test_layout_is_kept_between_runs_and_can_be_restored(make_window):
    window = make_window()
    window.docks["queue"].hide()
    window.shutdown()
    again = make_window()
    assert again.docks["queue"].isHidden()
    again.actions_.actions["default_layout"].trigger()
    assert not again.docks["queue"].isHidden()


def test_project_json_is_plain_json(make_window, tmp_path):
    window = make_window()
    make_shot(window)
    window.save_as(tmp_path / "J.studio")
    data = json.loads((tmp_path / "J.studio" / "project.json").read_text("utf-8"))
    assert data["project"]["shots"][0]["prompt"].startswith("a red circle")


def test_studio_refuses_a_missing_project_path(tmp_path):
    out = subprocess.run([sys.executable, "-m", "studio", str(tmp_path / "Nope.studio")],
                         check=False, capture_output=True, text=True, timeout=120, cwd=REPO,
                         env=dict(os.environ, QT_QPA_PLATFORM="offscreen",
                                  STUDIO_HOME=str(tmp_path / "home")))
    assert out.returncode == 2
    assert out.stderr.startswith("error:") and "Nope.studio" in out.stderr


def test_export_menu_lists_formats_and_exports_the_cut(make_window, qtbot, tmp_path):
    import opentimelineio as otio

    window = make_window()
    shot = make_shot(window)
    window.panels.controller.generate_shot(shot.id)
    wait_idle(qtbot, window)
    exporter = window.actions_.exporter
    qtbot.waitUntil(lambda: bool(exporter.formats), timeout=60000)
    keys = {(f.kind, f.key) for f in exporter.formats}
    assert {("timeline", "otio"), ("timeline", "fcp7"), ("render", "prores")} <= keys
    labels = [a.text() for a in window.actions_.export_menu.actions()]
    assert any(label.startswith("OpenTimelineIO") for label in labels)
    otio_format = next(f for f in exporter.formats if f.key == "otio")
    out = tmp_path / "cut.otio"
    with qtbot.waitSignal(exporter.finished, timeout=60000):
        exporter.export(otio_format, out)
    timeline = otio.adapters.read_from_file(str(out))
    assert len(list(timeline.find_clips())) == 1

"""Preferences, Help ▸ Plugins and plugin dock panels in the real window.

Plugins planted in `$STUDIO_HOME/plugins/` (the user's plugin folder) are throw-away
packages written by the test: one whose module raises on import, one with a small panel."""

from __future__ import annotations

import textwrap

import pytest
from ui_helpers import make_shot

from studio.core.settings import load_settings
from studio.ui import dialogs, preferences
from studio.ui.preferences import PreferencesDialog

VIOLENT = "a gory massacre in a village"


def plant_plugin(studio_home, name: str, module: str) -> None:
    package = studio_home / "plugins" / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "impl.py").write_text(textwrap.dedent(module))
    (package / "studio-plugin.toml").write_text(
        f'name = "{name}"\nversion = "0.1.0"\n[contributes]\npanels = ["{name}.impl:Panel"]\n')


@pytest.fixture
def refusals(monkeypatch):
    shown = []
    monkeypatch.setattr(dialogs, "show_refused", lambda parent, *args: shown.append(args))
    return shown


def choose(monkeypatch, **changes):
    """Script Edit ▸ Preferences: the real dialog, with these controls changed, then OK."""
    def answer(parent, settings):
        dialog = PreferencesDialog(parent, settings)
        if "policy" in changes:
            dialog.policy.setChecked(changes["policy"])
        for name in ("preset", "device"):
            if name in changes:
                combo = getattr(dialog, name)
                combo.setCurrentIndex(combo.findData(changes[name]))
        return dialog.chosen()

    monkeypatch.setattr(preferences, "ask_preferences", answer)


def test_switching_the_policy_off_lets_a_violent_prompt_queue_and_on_refuses_it(
        make_window, qtbot, refusals, monkeypatch, fake_engine):
    window = make_window()
    action = window.actions_.actions["preferences"]
    assert not action.shortcut().isEmpty() and action.text() == "&Preferences…"
    shot = make_shot(window, VIOLENT)
    jobs = window.session.project.jobs
    window.actions_.actions["generate"].trigger()
    assert jobs.jobs == [] and len(refusals) == 1

    choose(monkeypatch, policy=False, preset="final", device="cpu")
    action.trigger()
    saved = load_settings()
    assert "prompt_policy" in saved.disabled_plugins
    assert (saved.preset, saved.device) == ("final", "cpu")
    window.actions_.actions["generate"].trigger()
    assert len(jobs.jobs) == 1 and len(refusals) == 1
    qtbot.waitUntil(lambda: len(fake_engine.submitted) == 1, timeout=10000)
    assert fake_engine.submitted[0][1].device == "cpu"  # the device preference, too

    choose(monkeypatch, policy=True)
    action.trigger()
    assert "prompt_policy" not in load_settings().disabled_plugins
    window.panels.controller.cancel_all()
    window.actions_.actions["generate"].trigger()
    assert len(jobs.jobs) == 1 and len(refusals) == 2
    assert shot.name == refusals[-1][0]


def test_a_broken_plugin_does_not_stop_the_window_and_is_listed_as_failed(
        make_window, qtbot, studio_home):
    plant_plugin(studio_home, "broken_panel", "raise RuntimeError('this plugin is broken')\n")
    window = make_window()
    qtbot.waitUntil(lambda: window.plugins._registry is not None, timeout=10000)
    assert window.panels is not None and window.docks["timeline"].widget() is not None
    assert window.findChild(type(window.docks["timeline"]), "broken_panel") is None
    window.actions_.actions["plugins"].trigger()
    dialog = window.actions_.plugins_dialog
    assert dialog is not None and dialog.isVisible()
    row = dialog.row_texts("broken_panel")
    assert (row["Status"], row["Source"], row["Version"]) == ("failed", "user", "0.1.0")
    assert "this plugin is broken" in row["Reason"]
    policy = dialog.row_texts("prompt_policy")
    assert (policy["Status"], policy["Source"]) == ("loaded", "bundled")
    dialog.close()


def test_a_plugin_panel_becomes_a_dock(make_window, qtbot, studio_home):
    plant_plugin(studio_home, "shot_counter", """
        from PySide6.QtWidgets import QLabel

        class Panel(QLabel):
            def __init__(self, project, parent=None):
                super().__init__(f"{len(project.shots)} shots", parent)
    """)
    window = make_window()
    qtbot.waitUntil(lambda: "shot_counter" in window.plugins.docks, timeout=10000)
    dock = window.plugins.docks["shot_counter"]
    assert dock.objectName() == "shot_counter" and dock.widget().text() == "0 shots"
    assert dock.toggleViewAction() in window.actions_.view_menu.actions()
    # Another project: the panel is made again on it.
    first = dock.widget()
    make_shot(window)
    window.session.discard = True
    from studio.ui.session import ProjectSession

    window.set_session(ProjectSession.new())
    assert dock.widget() is not first and dock.widget().text() == "0 shots"

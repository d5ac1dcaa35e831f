"""The prompt policy in the window: a refused prompt shows a dialog naming the rule and
queues nothing, from every place the GUI queues work; a harmless prompt queues as before."""

from __future__ import annotations

import pytest
from ui_helpers import make_shot, wait_idle

from studio.core.edits import EditShot
from studio.ui import dialogs
from studio.ui.dialogs import GenerateOptions

VIOLENT = "a gory massacre in a village"


@pytest.fixture
def refusals(monkeypatch):
    shown = []
    monkeypatch.setattr(dialogs, "show_refused",
                        lambda parent, shot, rule, message: shown.append((shot, rule, message)))
    return shown


def test_a_violent_prompt_is_refused_with_a_dialog_and_nothing_is_queued(
        make_window, qtbot, fake_engine, refusals):
    window = make_window()
    shot = make_shot(window, VIOLENT)
    for action in ("generate", "generate_missing"):
        window.actions_.actions[action].trigger()
    assert window.session.project.jobs.jobs == [] and fake_engine.submitted == []
    assert shot.takes == []
    assert [(name, rule) for name, rule, _ in refusals] == [(shot.name, "graphic violence")] * 2
    assert "graphic violence" in refusals[0][2]
    assert "graphic violence" in window.statusBar().currentMessage()


def test_a_harmless_prompt_still_queues_and_lands(make_window, qtbot, fake_engine, refusals):
    window = make_window()
    shot = make_shot(window, "a red circle moving to the right")
    window.panels.controller.generate_shot(shot.id, 2)
    wait_idle(qtbot, window)
    assert len(shot.takes) == 2 and refusals == []


def test_extend_and_fill_refuse_a_violent_prompt_without_adding_a_shot(
        make_window, qtbot, fake_engine, refusals, monkeypatch):
    window = make_window()
    shot = make_shot(window, "a quiet street at dawn")
    window.panels.controller.generate_shot(shot.id)
    wait_idle(qtbot, window)
    [clip] = window.session.project.timeline.tracks[0].clips()
    shots_before = list(window.session.project.shots)
    monkeypatch.setattr(dialogs, "ask_extend", lambda *a: GenerateOptions(VIOLENT, 5))
    window.panels.timeline.extend_requested.emit(clip.id, "forward")
    assert window.session.project.shots == shots_before
    assert len(window.session.project.jobs.jobs) == 1 and len(refusals) == 1
    # Editing the shot's prompt into a violent one is refused at the next Generate too.
    window.panels.undo.push(EditShot(shot.id, prompt="decapitation " + shot.prompt))
    window.panels.storyboard.select_shot(shot.id)
    window.actions_.actions["generate"].trigger()
    assert len(window.session.project.jobs.jobs) == 1 and len(refusals) == 2


def test_the_registry_is_discovered_once_per_window(make_window, qtbot, refusals, monkeypatch):
    from studio.ui import plugin_host

    calls = []
    real = plugin_host.discover
    monkeypatch.setattr(plugin_host, "discover", lambda: calls.append(1) or real())
    window = make_window()
    qtbot.waitUntil(lambda: window.plugins._registry is not None, timeout=10000)
    make_shot(window, VIOLENT)
    for _ in range(3):
        window.actions_.actions["generate"].trigger()
    assert calls == [1] and len(refusals) == 3


def test_generate_missing_queues_the_allowed_shots_and_names_the_refused_ones(
        make_window, qtbot, fake_engine, refusals):
    window = make_window()
    calm = make_shot(window, "a kite over the dunes")
    bad = make_shot(window, VIOLENT)
    window.actions_.actions["generate_missing"].trigger()
    wait_idle(qtbot, window)
    assert len(calm.takes) == 1 and bad.takes == []
    assert [job.shot_id for job in window.session.project.jobs.jobs] == [calm.id]
    [(names, rule, message)] = refusals
    assert (names, rule) == (bad.name, "graphic violence") and bad.name in message

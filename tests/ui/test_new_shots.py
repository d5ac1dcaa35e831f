"""A new shot starts as the user's preferences and its model ask: default model and preset
from settings, the model's own size when its files give one, else the project's size."""

from __future__ import annotations

from studio.core.model import Mode
from studio.core.settings import load_settings, save_settings
from studio.ui.models import ModelChoice


def test_new_shots_take_the_preset_and_the_models_own_size(make_window):
    window = make_window()
    project = window.session.project
    board = window.panels.storyboard
    first = board.add_shot()
    assert (first.settings.width, first.settings.height) == (project.width, project.height)
    assert first.settings.preset == load_settings().preset == "draft"

    settings = load_settings()
    settings.preset = "final"
    save_settings(settings)
    window.catalog.set_choices([ModelChoice("demo", "demo", frozenset(Mode), "any frames",
                                            spatial=16, temporal=4, fixed=(64, 48))])
    second = board.add_shot()
    assert (second.settings.width, second.settings.height) == (64, 48)
    assert second.settings.preset == "final" and second.model == "demo"


def test_new_shots_start_at_the_size_the_model_was_trained_at(make_window):
    window = make_window()
    window.catalog.set_choices([ModelChoice("demo", "demo", frozenset(Mode), "any frames",
                                            spatial=16, temporal=4, native=(64, 64))])
    shot = window.panels.storyboard.add_shot()
    assert (shot.model, shot.settings.width, shot.settings.height) == ("demo", 64, 64)


def test_new_shots_are_made_at_the_projects_frame_rate(make_window):
    """A take at another rate would play faster or slower on the timeline than on its own."""
    from fractions import Fraction

    window = make_window()
    project = window.session.project
    project.rate = Fraction(25)
    shot = window.panels.storyboard.add_shot()
    assert shot.settings.fps == Fraction(25)
    assert window.panels.inspector.fps.currentText() == "25"

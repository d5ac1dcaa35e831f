"""The user's settings file: typed, versioned, never a reason for the studio not to start."""

import json
import logging

import pytest

from studio.core import settings as settings_module
from studio.core.errors import BadInput, StudioError
from studio.core.settings import (
    SETTINGS_VERSION,
    Settings,
    load_settings,
    read_settings,
    save_settings,
    settings_path,
)


def test_settings_live_in_the_user_config_folder_and_round_trip(_user_folders):
    assert settings_path() == _user_folders.resolve() / "config" / "settings.json"
    assert load_settings() == Settings()  # none yet: the defaults
    chosen = Settings(device="cpu", preset="final", autosave_seconds=5.0, ui={"split": [3, 1]})
    chosen.add_recent("/films/Harbour.studio")
    chosen.add_recent("/films/Dusk.studio")
    chosen.add_recent("/films/Harbour.studio")
    save_settings(chosen)
    loaded = load_settings()
    assert loaded == chosen
    assert loaded.recent_projects == ["/films/Harbour.studio", "/films/Dusk.studio"]
    assert json.loads(settings_path().read_text())["version"] == SETTINGS_VERSION


@pytest.mark.parametrize(
    "content, match",
    [
        (
            '{"version": 1, "settings": {"device": "gpu"}}',
            r'settings\.device must be one of "auto"',
        ),
        ('{"version": 1, "settings": {"hf_offline": "yes"}}', "hf_offline must be true or false"),
        ('{"version": 1, "settings": {"colour": 1}}', 'unknown field "colour"'),
        ('{"version": 9, "settings": {}}', "newer Studio .*version 9"),
        ('{"theme": "dark"}', "not a Studio settings file"),
        ('{"version": 1, "sett', "cannot be read as settings"),
    ],
)
def test_damaged_settings_fall_back_to_defaults_and_are_kept(content, match, caplog):
    file = settings_path()
    file.write_text(content)
    with pytest.raises(BadInput, match=match):
        read_settings(file)
    with caplog.at_level(logging.WARNING, logger="studio"):
        assert load_settings() == Settings()
    assert "using default settings" in caplog.text
    assert file.read_text() == content


def test_a_setting_left_out_takes_its_default():
    settings_path().write_text('{"version": 1, "settings": {"device": "cpu"}}')
    assert read_settings(settings_path()) == Settings(device="cpu")


def test_a_newer_studios_settings_are_not_overwritten():
    settings_path().write_text('{"version": 99, "settings": {}}')
    with pytest.raises(StudioError, match="newer Studio"):
        save_settings(Settings())
    assert json.loads(settings_path().read_text())["version"] == 99


def test_an_older_version_is_upgraded_through_the_migrations(monkeypatch):
    # The mechanism a schema change will use: version 1 data, a step to 2.
    def rename_offline(data):
        data["settings"]["hf_offline"] = data["settings"].pop("offline")
        return data

    monkeypatch.setattr(settings_module, "SETTINGS_VERSION", 2)
    monkeypatch.setattr(settings_module, "MIGRATIONS", {1: rename_offline})
    settings_path().write_text(json.dumps({"version": 1, "settings": {"offline": False}}))
    assert load_settings() == Settings(hf_offline=False)


def test_bad_values_are_refused_on_save():
    with pytest.raises(BadInput, match="autosave_seconds must be between"):
        save_settings(Settings(autosave_seconds=0))
    assert not settings_path().exists()

"""User folders (STUDIO_HOME or the platform's) and the rotating log file."""

import logging
import logging.handlers
from pathlib import Path

from studio.core import logs, paths


def test_studio_home_holds_every_user_folder(_user_folders):
    home = _user_folders.resolve()
    folders = paths.all_dirs()
    assert set(folders) == {"config", "logs", "models", "plugins", "cache"}
    for name, folder in folders.items():
        assert folder == home / name and folder.is_dir()


def test_without_studio_home_the_platform_folders_are_used(monkeypatch, tmp_path):
    monkeypatch.delenv("STUDIO_HOME")
    # platformdirs follows XDG on Linux; point it at the temp dir so nothing real is touched.
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    import platformdirs

    dirs = platformdirs.PlatformDirs("studio", appauthor=False)
    assert paths.config_dir() == Path(dirs.user_config_dir)
    assert paths.models_dir() == Path(dirs.user_data_dir) / "models"
    assert paths.log_dir() == Path(dirs.user_log_dir)
    assert paths.models_dir().is_dir()


def _our_handlers():
    return [h for h in logging.getLogger("studio").handlers if getattr(h, "_studio_handler", False)]


def test_setup_logging_writes_module_loggers_to_one_rotating_file(_user_folders):
    first = logs.setup_logging()
    again = logs.setup_logging()  # idempotent: no second set of handlers
    assert first == again == logs.log_file_path() == _user_folders.resolve() / "logs" / "studio.log"
    files = [h for h in _our_handlers() if isinstance(h, logging.handlers.RotatingFileHandler)]
    assert len(files) == 1 and files[0].maxBytes > 0 and files[0].backupCount > 0
    assert len(_our_handlers()) == 2  # the file and warnings on stderr
    logging.getLogger("studio.core.example").info("a line for the log")
    files[0].flush()
    text = first.read_text()
    assert "INFO" in text and "studio.core.example: a line for the log" in text


def test_a_new_studio_home_moves_the_log(monkeypatch, tmp_path):
    logs.setup_logging()
    monkeypatch.setenv("STUDIO_HOME", str(tmp_path / "other"))
    moved = logs.setup_logging()
    assert moved == (tmp_path / "other").resolve() / "logs" / "studio.log"
    assert len(_our_handlers()) == 2
    logging.getLogger("studio.x").warning("here now")
    assert "here now" in moved.read_text()

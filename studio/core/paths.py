"""Where the studio keeps its own files: config, logs, models, plugins, cache.

The platform decides (platformdirs: ~/.config, ~/Library/Application Support, %APPDATA%...).
`STUDIO_HOME` puts every folder under one directory instead, so a test, a portable install
or a second profile never touches the user's real folders. Folders are created on first use.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import platformdirs

log = logging.getLogger(__name__)

APP_NAME = "studio"
HOME_ENV = "STUDIO_HOME"


def studio_home() -> Path | None:
    """The one folder that holds everything when `STUDIO_HOME` is set, else None."""
    value = os.environ.get(HOME_ENV, "").strip()
    return Path(value).expanduser().resolve() if value else None


def _folder(kind: str) -> Path:
    home = studio_home()
    if home is not None:
        path = home / kind
    else:
        dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
        path = {
            "config": Path(dirs.user_config_dir),
            "logs": Path(dirs.user_log_dir),
            "models": Path(dirs.user_data_dir) / "models",
            "plugins": Path(dirs.user_data_dir) / "plugins",
            "cache": Path(dirs.user_cache_dir),
        }[kind]
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    return _folder("config")


def log_dir() -> Path:
    return _folder("logs")


def models_dir() -> Path:
    return _folder("models")


def plugins_dir() -> Path:
    return _folder("plugins")


def cache_dir() -> Path:
    return _folder("cache")


def all_dirs() -> dict[str, Path]:
    """Every user folder by name, for `studio doctor`."""
    return {
        "config": config_dir(),
        "logs": log_dir(),
        "models": models_dir(),
        "plugins": plugins_dir(),
        "cache": cache_dir(),
    }

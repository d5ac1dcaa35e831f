"""Where the files that ship with the studio are: `assets/` and the bundled `plugins/`.

In a source checkout they sit beside the `studio` package; in a frozen app (PyInstaller) they
sit in the app's data folder. `STUDIO_APP_ROOT` overrides both, for tests and odd installs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def app_root() -> Path:
    override = os.environ.get("STUDIO_APP_ROOT", "").strip()
    if override:
        return Path(override)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parents[2]


def assets_dir() -> Path:
    return app_root() / "assets"


def bundled_plugins_dir() -> Path:
    return app_root() / "plugins"

"""The user's settings: a typed schema with a version, stored as JSON in the config folder.

`load_settings()` never stops the studio: a missing file gives the defaults, and a damaged,
foreign or newer one gives the defaults with a logged warning (the file is left as it is, so
nothing the user wrote is lost). `read_settings(file)` is the strict reader underneath, which
raises BadInput with one sentence. `save_settings()` writes atomically and refuses to
overwrite a file written by a newer studio.

A change to the schema raises SETTINGS_VERSION and adds a step to MIGRATIONS that turns the
previous version's data into the new one (version N -> N + 1), as for projects.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studio.core import paths
from studio.core.atomic import write_atomic
from studio.core.codec import FieldError, decode, encode
from studio.core.errors import BadInput, StudioError

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
SETTINGS_VERSION = 1
MAX_SETTINGS_BYTES = 4 * 1024 * 1024

# version N -> the step that makes its data version N + 1
MIGRATIONS: dict[int, Callable[[dict], dict]] = {}

CHOICES = {
    "device": ("auto", "cuda", "mps", "cpu"),
    "preset": ("draft", "final"),
    "theme": ("dark", "light"),
}


@dataclass
class Settings:
    device: str = "auto"  # where generation runs
    preset: str = "draft"  # the memory/speed preset new jobs start with
    default_model: str = "demo"  # model id for new shots
    models_folder: str = ""  # an extra folder of diffusers models ("" = none)
    hf_offline: bool = True  # never reach the Hub except through `studio models pull`
    autosave_seconds: float = 2.0  # quiet time after an edit before the autosave
    recent_projects: list[str] = field(default_factory=list)  # newest first
    theme: str = "dark"
    disabled_plugins: list[str] = field(default_factory=list)  # by name; never imported
    ui: dict[str, Any] = field(default_factory=dict)  # window layout and the like

    def check(self) -> None:
        """Raise FieldError for a value outside what the studio accepts."""
        for name, allowed in CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                choices = ", ".join(f'"{v}"' for v in allowed)
                raise FieldError(f'must be one of {choices}, not "{value}"', f".{name}")
        if not 0 < self.autosave_seconds <= 3600:
            raise FieldError(
                f"must be between 0 and 3600 seconds, not {self.autosave_seconds}",
                ".autosave_seconds",
            )

    def add_recent(self, project: str | Path, keep: int = 10) -> None:
        text = str(project)
        self.recent_projects = [text] + [p for p in self.recent_projects if p != text][: keep - 1]


def settings_path() -> Path:
    return paths.config_dir() / SETTINGS_FILE


def _version_of(data: Any, file: Path) -> int:
    if not isinstance(data, dict) or "settings" not in data:
        raise BadInput(f"{file} is not a Studio settings file.")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise BadInput(f"{file} has no valid settings version.")
    return version


def read_settings(file: Path) -> Settings:
    """The settings in `file`, upgraded to the current version; BadInput if unusable."""
    try:
        if file.stat().st_size > MAX_SETTINGS_BYTES:
            raise BadInput(f"{file} is far too large to be a settings file.")
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadInput(f"{file} cannot be read as settings: {exc}.") from None
    version = _version_of(data, file)
    if version > SETTINGS_VERSION:
        raise BadInput(
            f"{file} was written by a newer Studio (settings version {version}; this one "
            f"reads up to {SETTINGS_VERSION})."
        )
    while version < SETTINGS_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
        data["version"] = version
    values = data["settings"]
    if isinstance(values, dict):
        # A setting left out (a hand-written file, or one added since) takes its default.
        values = {**encode(Settings(), Settings), **values}
    try:
        settings = decode(values, Settings)
        settings.check()
    except FieldError as exc:
        raise BadInput(f"{file}: settings.{exc.where} {exc.problem}.") from None
    return settings


def load_settings() -> Settings:
    """The user's settings, or the defaults when there are none or they cannot be used."""
    file = settings_path()
    if not file.exists():
        return Settings()
    try:
        return read_settings(file)
    except BadInput as exc:
        log.warning("using default settings: %s", exc)
        return Settings()


def save_settings(settings: Settings) -> Path:
    """Write the settings atomically; refuses to replace a newer studio's file."""
    file = settings_path()
    if file.exists():
        try:
            version = _version_of(json.loads(file.read_text(encoding="utf-8")), file)
        except (OSError, ValueError, BadInput):
            version = 0  # damaged: replacing it loses nothing usable
        if version > SETTINGS_VERSION:
            raise StudioError(
                f"{file} belongs to a newer Studio (settings version {version}); "
                "it was left unchanged."
            )
    try:
        settings.check()
        data = {"version": SETTINGS_VERSION, "settings": encode(settings, Settings)}
    except FieldError as exc:
        raise BadInput(f"The setting {exc.where} {exc.problem}.") from None
    try:
        write_atomic(file, (json.dumps(data, indent=2) + "\n").encode("utf-8"))
    except OSError as exc:
        raise StudioError(
            f"Could not save the settings to {file}: {exc.strerror or exc}."
        ) from None
    return file

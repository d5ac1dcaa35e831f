"""Autosave: after edits settle, the project is written to `autosave.json` in its bundle.

`Autosaver` listens to `Project.events.project_changed` and waits `delay` seconds of quiet
before writing (each new edit restarts the wait), so typing a prompt does not write on every
key. It is Qt-free: by default a `threading.Timer` fires the write; the UI passes `schedule`
to run it on its own thread instead (a QTimer), which also keeps the snapshot consistent
with edits made on that thread. Tests pass a fake `schedule` and fire it by hand.

A real save (`bundle.save_project`) removes autosave.json. On open, `autosave_status` says
whether an autosave holds edits the project file lacks, so the UI or CLI can offer it;
opening it is the user's choice (`load_project(path, use_autosave=True)`).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from psygnal import Signal

from studio.core.atomic import write_atomic
from studio.core.bundle import (
    AUTOSAVE_FILE,
    PROJECT_FILE,
    bundle_root,
    encode_json,
    read_project_file,
)
from studio.core.errors import StudioError
from studio.core.model import Project
from studio.core.serialize import ProjectError, project_from_dict, project_to_dict

log = logging.getLogger(__name__)

DEFAULT_DELAY_S = 2.0


class Cancellable(Protocol):
    def cancel(self) -> None: ...


# schedule(delay_s, callback) -> something with cancel()
Schedule = Callable[[float, Callable[[], None]], Cancellable]


def _thread_schedule(delay: float, callback: Callable[[], None]) -> Cancellable:
    timer = threading.Timer(delay, callback)
    timer.daemon = True
    timer.start()
    return timer


@dataclass(frozen=True)
class AutosaveStatus:
    """What the bundle's autosave holds compared with its project.json."""

    file: Path
    exists: bool
    newer: bool  # holds edits that project.json lacks: worth offering
    saved_at: datetime | None
    project_saved_at: datetime | None
    message: str


def _mtime(file: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(file.stat().st_mtime).astimezone()
    except OSError:
        return None


def autosave_status(path: str | os.PathLike) -> AutosaveStatus:
    """Whether the bundle at `path` has an autosave newer than its project.json and
    different from it. Reads only; never changes a file."""
    root = bundle_root(path)
    file, project_file = root / AUTOSAVE_FILE, root / PROJECT_FILE
    saved_at, project_saved_at = _mtime(file), _mtime(project_file)
    if saved_at is None:
        return AutosaveStatus(file, False, False, None, project_saved_at, "There is no autosave.")
    try:
        autosaved = read_project_file(file)
        project_from_dict(autosaved, str(file))
    except ProjectError as exc:
        return AutosaveStatus(
            file, True, False, saved_at, project_saved_at, f"The autosave is damaged: {exc}"
        )
    when = saved_at.strftime("%Y-%m-%d %H:%M:%S")
    try:
        saved = read_project_file(project_file) if project_saved_at else None
        if saved is not None:
            project_from_dict(saved, str(project_file))
    except ProjectError:
        return AutosaveStatus(
            file,
            True,
            True,
            saved_at,
            project_saved_at,
            f"{project_file} cannot be opened, but an autosave from {when} can.",
        )
    if saved is None:
        return AutosaveStatus(
            file,
            True,
            True,
            saved_at,
            None,
            f"An autosave from {when} exists but {project_file.name} is missing.",
        )
    if saved_at <= project_saved_at:
        return AutosaveStatus(
            file,
            True,
            False,
            saved_at,
            project_saved_at,
            "The autosave is older than the saved project.",
        )
    if saved.get("project") == autosaved.get("project"):
        return AutosaveStatus(
            file,
            True,
            False,
            saved_at,
            project_saved_at,
            "The autosave holds nothing the saved project lacks.",
        )
    return AutosaveStatus(
        file,
        True,
        True,
        saved_at,
        project_saved_at,
        f"An autosave from {when} has edits newer than the saved project in {root}.",
    )


def write_autosave(project: Project, path: str | os.PathLike) -> Path:
    """Write `project` to the bundle's autosave.json atomically (no backups)."""
    root = bundle_root(path)
    file = root / AUTOSAVE_FILE
    payload = encode_json(project_to_dict(project))
    try:
        write_atomic(file, payload)
    except OSError as exc:
        raise StudioError(f"Could not autosave to {file}: {exc.strerror or exc}.") from None
    log.debug("autosaved %s", file)
    return file


def discard_autosave(path: str | os.PathLike) -> None:
    """Remove the bundle's autosave (the user declined it)."""
    (bundle_root(path) / AUTOSAVE_FILE).unlink(missing_ok=True)


class Autosaver:
    """Writes the project's autosave `delay` seconds after the last edit."""

    autosaved = Signal(object)  # the autosave file's path
    autosave_failed = Signal(str)  # one sentence for the status bar

    def __init__(
        self,
        project: Project,
        path: str | os.PathLike,
        delay: float = DEFAULT_DELAY_S,
        schedule: Schedule | None = None,
    ) -> None:
        self.project = project
        self.path = bundle_root(path)
        self.delay = delay
        self._schedule = schedule or _thread_schedule
        self._lock = threading.Lock()
        self._pending: Cancellable | None = None
        self._closed = False
        project.events.project_changed.connect(self._on_project_changed)
        project.jobs.events.queue_changed.connect(self._on_project_changed)

    @property
    def pending(self) -> bool:
        """Whether an edit is waiting to be autosaved."""
        return self._pending is not None

    def _on_project_changed(self) -> None:
        with self._lock:
            if self._closed:
                return
            if self._pending is not None:
                self._pending.cancel()
            self._pending = self._schedule(self.delay, self._fire)

    def _fire(self) -> None:
        with self._lock:
            if self._closed or self._pending is None:
                return
            self._pending = None
        self._write()

    def _write(self) -> None:
        try:
            file = write_autosave(self.project, self.path)
        except StudioError as exc:
            log.warning("%s", exc)
            self.autosave_failed.emit(str(exc))
            return
        self.autosaved.emit(file)

    def flush(self) -> None:
        """Write now if an edit is waiting (e.g. before the window closes)."""
        with self._lock:
            waiting, self._pending = self._pending, None
        if waiting is not None:
            waiting.cancel()
            self._write()

    def mark_saved(self) -> None:
        """The project was just saved for real: drop the waiting autosave."""
        with self._lock:
            waiting, self._pending = self._pending, None
        if waiting is not None:
            waiting.cancel()

    def close(self) -> None:
        """Stop listening; a waiting autosave is dropped (call flush first to keep it)."""
        self.mark_saved()
        with self._lock:
            self._closed = True
        self.project.events.project_changed.disconnect(self._on_project_changed)
        self.project.jobs.events.queue_changed.disconnect(self._on_project_changed)

"""The undo stack and the command protocol every edit follows."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod

from psygnal import Signal

from studio.core.model import Project

log = logging.getLogger(__name__)


class Command(ABC):
    """One undoable edit. `redo` is also the first application; it raises (having changed
    nothing) when the edit cannot be made."""

    text = "Edit"

    @abstractmethod
    def redo(self, project: Project) -> None: ...

    @abstractmethod
    def undo(self, project: Project) -> None: ...


class UndoStack:
    """Applies commands and walks back and forth through them."""

    changed = Signal()  # after push, undo, redo, clear or set_clean

    def __init__(self, project: Project, limit: int = 500) -> None:
        self.project = project
        self.limit = limit
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._clean_marker: Command | None = None  # last command applied when saved

    def push(self, command: Command) -> Command:
        command.redo(self.project)  # raises before anything is recorded if it cannot apply
        self._done.append(command)
        self._undone.clear()
        if len(self._done) > self.limit:
            self._done.pop(0)
        log.debug("did %s", command.text)
        self._announce()
        return command

    def undo(self) -> None:
        if not self._done:
            return
        command = self._done.pop()
        command.undo(self.project)
        self._undone.append(command)
        self._announce()

    def redo(self) -> None:
        if not self._undone:
            return
        command = self._undone.pop()
        command.redo(self.project)
        self._done.append(command)
        self._announce()

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_text(self) -> str:
        return self._done[-1].text if self._done else ""

    @property
    def redo_text(self) -> str:
        return self._undone[-1].text if self._undone else ""

    @property
    def clean(self) -> bool:
        """True when the project is as it was last saved."""
        return (self._done[-1] if self._done else None) is self._clean_marker

    def set_clean(self) -> None:
        self._clean_marker = self._done[-1] if self._done else None
        self.changed.emit()

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._clean_marker = None
        self.changed.emit()

    def _announce(self) -> None:
        self.project.events.project_changed.emit()
        self.changed.emit()


class Macro(Command):
    """Several commands as one undo step (e.g. a finished generation: media, take, clip)."""

    def __init__(self, text: str, commands: list[Command]) -> None:
        self.text = text
        self.commands = commands
        self._applied = 0

    def redo(self, project: Project) -> None:
        self._applied = 0
        try:
            for command in self.commands:
                command.redo(project)
                self._applied += 1
        except Exception:
            for command in reversed(self.commands[: self._applied]):
                command.undo(project)
            raise

    def undo(self, project: Project) -> None:
        for command in reversed(self.commands):
            command.undo(project)

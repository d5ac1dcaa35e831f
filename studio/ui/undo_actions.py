"""Qt face of the core undo stack: Undo / Redo actions and a Qt signal for the window title.

The stack itself (`studio.core.edits.UndoStack`) is Qt-free and announces changes on a
psygnal signal; this adapter turns that into enabled states, menu texts and a Qt signal.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence

from studio.core.edits import Command, UndoStack
from studio.core.errors import BadInput

log = logging.getLogger(__name__)


class UndoActions(QObject):
    """Owns the Undo and Redo actions for one undo stack."""

    changed = Signal()  # anything on the stack changed (after push, undo, redo, save)
    edit_refused = Signal(str)  # a command could not apply; the message says why

    def __init__(self, stack: UndoStack, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.stack = stack
        self.undo_action = QAction("Undo", self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(self.undo)
        self.redo_action = QAction("Redo", self)
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.redo_action.triggered.connect(self.redo)
        stack.changed.connect(self._on_stack_changed)
        self._on_stack_changed()

    def push(self, command: Command) -> bool:
        """Apply a command; an edit that cannot apply is reported, not raised into Qt."""
        try:
            self.stack.push(command)
        except BadInput as exc:
            log.info("edit refused: %s", exc)
            self.edit_refused.emit(str(exc))
            return False
        return True

    def undo(self) -> None:
        self.stack.undo()

    def redo(self) -> None:
        self.stack.redo()

    def disconnect_stack(self) -> None:
        self.stack.changed.disconnect(self._on_stack_changed)

    def _on_stack_changed(self) -> None:
        stack = self.stack
        self.undo_action.setEnabled(stack.can_undo)
        self.redo_action.setEnabled(stack.can_redo)
        self.undo_action.setText(f"Undo {stack.undo_text}" if stack.can_undo else "Undo")
        self.redo_action.setText(f"Redo {stack.redo_text}" if stack.can_redo else "Redo")
        self.changed.emit()

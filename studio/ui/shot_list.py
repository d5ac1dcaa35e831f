"""The storyboard's list of cards: drag to reorder, drop image files, drag a take out.

Drops are handed to the panel as signals; the list never moves its own rows (the model does,
through `MoveShot`, and the panel redraws from the project's signal).
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

from studio.ui.drag import start_drag
from studio.ui.timeline import TAKE_MIME

SHOT_MIME = "application/x-studio-shot"
TAKE_ROLE = Qt.ItemDataRole.UserRole + 1  # the shot's selected take id, for dragging it out


class ShotList(QListWidget):
    """The cards; drops of image files and internal moves are handed to the panel."""

    moved = Signal(str, int)  # shot id, new index
    files_dropped = Signal(list, int)  # paths, index to insert at

    def __init__(self) -> None:
        super().__init__()
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setAcceptDrops(True)
        self.setDragEnabled(True)
        self.setDropIndicatorShown(True)

    def startDrag(self, supported_actions: Qt.DropAction) -> None:
        start_drag(self)  # lend the item; never let Qt remove the row after the drop

    def mimeTypes(self) -> list[str]:
        return [SHOT_MIME, "text/uri-list"]

    def mimeData(self, items: list[QListWidgetItem]) -> QMimeData:
        """A shot (to reorder here) that also carries its selected take (to drop on a track)."""
        data = QMimeData()
        if items:
            shot_id = items[0].data(Qt.ItemDataRole.UserRole)
            data.setData(SHOT_MIME, shot_id.encode())
            take_id = items[0].data(TAKE_ROLE)
            if take_id:
                payload = json.dumps({"shot_id": shot_id, "take_id": take_id})
                data.setData(TAKE_MIME, payload.encode("utf-8"))
        return data

    def _target_row(self, event: QDropEvent) -> int:
        item = self.itemAt(event.position().toPoint())
        if item is None:
            return self.count()
        row = self.row(item)
        rect = self.visualItemRect(item)
        return row + 1 if event.position().y() > rect.center().y() else row

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasFormat(SHOT_MIME) or event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if event.mimeData().hasFormat(SHOT_MIME) or event.mimeData().hasUrls():
            super().dragMoveEvent(event)
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        row = self._target_row(event)
        if mime.hasFormat(SHOT_MIME):
            shot_id = bytes(mime.data(SHOT_MIME).data()).decode()
            event.setDropAction(Qt.DropAction.IgnoreAction)  # the model moves it, not Qt
            event.accept()
            self.moved.emit(shot_id, row)
        elif mime.hasUrls():
            paths = [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()]
            event.acceptProposedAction()
            self.files_dropped.emit(paths, row)
        else:
            event.ignore()

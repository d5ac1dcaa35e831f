"""Dragging from the studio's lists: the item is offered, never taken out of the list.

QListWidget's own drag removes the dragged rows when the drop target accepts a move (as the
timeline does); the storyboard and the media pool only ever lend their items to a drop, and
their own model changes come from commands.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QDrag
from PySide6.QtWidgets import QListWidget


def start_drag(view: QListWidget) -> None:
    items = view.selectedItems()
    if not items:
        return
    drag = QDrag(view)
    drag.setMimeData(view.mimeData(items))
    icon = items[0].icon()
    if not icon.isNull():
        drag.setPixmap(icon.pixmap(view.iconSize()))
    drag.exec(Qt.DropAction.CopyAction | Qt.DropAction.MoveAction, Qt.DropAction.CopyAction)

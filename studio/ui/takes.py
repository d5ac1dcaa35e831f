"""Takes: every take of the selected shot, side by side; look at one in the viewer, choose the
one the shot (and the timeline) uses.

Choosing a take is one undo step: `SelectTake`, and every clip of that shot on the timeline
swapped for the chosen take in the same place (a replace edit: the clip keeps its slot, or
is shorter when the take is).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.edits import Command, DeleteClip, Macro, PlaceClip, SelectTake
from studio.core.model import Clip, FrameRange, Project, Shot
from studio.ui.thumbnails import ThumbnailLoader
from studio.ui.undo_actions import UndoActions

log = logging.getLogger(__name__)

ICON = QSize(128, 72)


def choose_take_commands(project: Project, shot: Shot, take_id: str) -> list[Command]:
    """SelectTake, plus a replace edit for each timeline clip of the shot on another take."""
    take = shot.take(take_id)
    media = project.media_item(take.media_id)
    commands: list[Command] = [SelectTake(shot.id, take_id)]
    for track in project.timeline.tracks:
        for clip in track.clips():
            if clip.shot_id != shot.id or clip.take_id == take_id:
                continue
            at = track.range_in_parent(clip.id).start
            duration = max(1, min(clip.duration, media.frames))
            new = Clip(name=clip.name, media_id=media.id, source_range=FrameRange(0, duration),
                       shot_id=shot.id, take_id=take_id)
            commands += [DeleteClip(clip.id), PlaceClip(track.id, new, at)]
    return commands


class TakesPanel(QWidget):
    """The selected shot's takes, newest last."""

    take_viewed = Signal(str)  # media id of a take, to show in the viewer

    def __init__(self, project: Project, undo: UndoActions, thumbnails: ThumbnailLoader,
                 bundle_dir: Callable[[], Path], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("takes_panel")
        self.project, self.undo, self.thumbnails, self._bundle_dir = (
            project, undo, thumbnails, bundle_dir)
        self.shot_id: str | None = None
        self.title = QLabel("No shot selected")
        self.list = QListWidget()
        self.list.setObjectName("take_list")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(ICON)
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMovement(QListView.Movement.Static)
        self.list.setWordWrap(True)
        self.list.currentItemChanged.connect(self._on_list_current_changed)
        self.list.itemDoubleClicked.connect(lambda _item: self.use_current())
        self.use_button = QPushButton("Use This Take")
        self.use_button.setToolTip("The shot and its clips on the timeline use this take")
        self.use_button.clicked.connect(self.use_current)
        row = QHBoxLayout()
        row.addWidget(self.title, 1)
        row.addWidget(self.use_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.list)
        project.events.shot_changed.connect(self._on_project_shot_changed)
        project.events.shot_removed.connect(self._on_project_shot_removed)
        thumbnails.ready.connect(self._on_thumbnails_ready)
        self._rebuild()

    def detach(self) -> None:
        self.project.events.shot_changed.disconnect(self._on_project_shot_changed)
        self.project.events.shot_removed.disconnect(self._on_project_shot_removed)
        self.thumbnails.ready.disconnect(self._on_thumbnails_ready)

    def _on_thumbnails_ready(self, _key: str) -> None:
        self._rebuild(keep_current=True)

    def set_shot(self, shot_id: str | None) -> None:
        self.shot_id = shot_id or None
        self._rebuild()

    def shot(self) -> Shot | None:
        try:
            return self.project.shot(self.shot_id) if self.shot_id else None
        except KeyError:
            return None

    def current_take_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def view_take(self, take_id: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == take_id:
                self.list.setCurrentRow(row)

    def use_current(self) -> None:
        shot, take_id = self.shot(), self.current_take_id()
        if shot is None or take_id is None:
            return
        commands = choose_take_commands(self.project, shot, take_id)
        self.undo.push(commands[0] if len(commands) == 1 else Macro("Choose Take", commands))

    def _rebuild(self, keep_current: bool = False) -> None:
        current = self.current_take_id() if keep_current else None
        shot = self.shot()
        self.list.blockSignals(True)
        self.list.clear()
        if shot is None:
            self.title.setText("No shot selected")
        else:
            self.title.setText(f"{shot.name}: {len(shot.takes)} take(s)")
            for number, take in enumerate(shot.takes, start=1):
                item = QListWidgetItem()
                item.setData(Qt.ItemDataRole.UserRole, take.id)
                chosen = " ✓" if take.id == shot.selected_take_id else ""
                item.setText(f"Take {number}{chosen}\nseed {take.recipe.seed}")
                item.setToolTip(take.recipe.prompt)
                item.setIcon(QIcon(self._thumbnail(take.media_id)))
                self.list.addItem(item)
        self.list.blockSignals(False)
        target = current or (shot.selected_take_id if shot else None)
        if target and keep_current:
            self._select_quietly(target)  # a thumbnail arrived: do not re-show the take
        elif target:
            self.view_take(target)
        self.use_button.setEnabled(shot is not None and bool(shot.takes))

    def _select_quietly(self, take_id: str) -> None:
        self.list.blockSignals(True)
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == take_id:
                self.list.setCurrentRow(row)
        self.list.blockSignals(False)

    def _thumbnail(self, media_id: str) -> QPixmap:
        pixmap = QPixmap(ICON)
        pixmap.fill(Qt.GlobalColor.darkGray)
        try:
            media = self.project.media_item(media_id)
        except KeyError:
            return pixmap
        image = self.thumbnails.get(self._bundle_dir() / media.path, 0)
        if image is None:
            return pixmap
        return QPixmap.fromImage(image).scaled(ICON, Qt.AspectRatioMode.KeepAspectRatio,
                                               Qt.TransformationMode.SmoothTransformation)

    def _on_list_current_changed(self, current: QListWidgetItem | None, _prev: object) -> None:
        shot = self.shot()
        if current is None or shot is None:
            return
        try:
            take = shot.take(current.data(Qt.ItemDataRole.UserRole))
        except KeyError:
            return
        self.take_viewed.emit(take.media_id)

    def _on_project_shot_changed(self, shot: Shot) -> None:
        if shot.id == self.shot_id:
            self._rebuild()

    def _on_project_shot_removed(self, shot: Shot, _index: int) -> None:
        if shot.id == self.shot_id:
            self.set_shot(None)

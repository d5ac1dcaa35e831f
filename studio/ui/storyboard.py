"""The storyboard: one card per shot, in film order.

A card shows the selected take's thumbnail, the shot's name, its prompt and where it stands
(no take yet / queued / generating / n takes). Shots are added, duplicated, deleted and
reordered (drag) through undo commands; dropping an image makes an image-to-video shot.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QInputDialog,
    QListWidgetItem,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.edits import AddShot, MoveShot, RemoveShot, RenameShot
from studio.core.errors import BadInput
from studio.core.jobs import JobState
from studio.core.model import MediaItem, MediaKind, Mode, Project, Shot
from studio.core.settings import load_settings
from studio.ui.generation import GenerationController
from studio.ui.media_import import is_image
from studio.ui.shot_list import TAKE_ROLE, ShotList
from studio.ui.thumbnails import ThumbnailLoader
from studio.ui.undo_actions import UndoActions

log = logging.getLogger(__name__)

CARD_ICON = QSize(128, 72)

# Imports files on a pool thread, then calls back on the GUI thread with the media added.
Importer = Callable[[list[Path], Callable[[list[MediaItem]], None]], None]


class StoryboardPanel(QWidget):
    """Shot cards with add / duplicate / delete / generate."""

    shot_selected = Signal(str)  # shot id ("" when none)
    error = Signal(str)

    def __init__(
        self,
        project: Project,
        undo: UndoActions,
        controller: GenerationController,
        thumbnails: ThumbnailLoader,
        bundle_dir: Callable[[], Path],
        importer: Importer,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("storyboard_panel")
        self.project, self.undo, self.controller = project, undo, controller
        # (width, height) a model was made for, when it says (set by the window's catalog).
        self.native_size: Callable[[str], tuple[int, int] | None] = lambda model: None
        self.thumbnails, self._bundle_dir, self._importer = thumbnails, bundle_dir, importer
        self.list = ShotList()
        self.list.setObjectName("shot_list")
        self.list.setIconSize(CARD_ICON)
        self.list.setWordWrap(True)
        self.list.setSpacing(2)
        self.list.setUniformItemSizes(False)
        self.list.currentItemChanged.connect(self._on_list_current_changed)
        self.list.itemDoubleClicked.connect(lambda _item: self.rename_selected())
        self.list.moved.connect(self._on_list_moved)
        self.list.files_dropped.connect(self._on_list_files_dropped)

        self.add_button = self._button("Add", "Add a shot after the selected one", self.add_shot)
        self.duplicate_button = self._button("Duplicate", "Duplicate the selected shot",
                                             self.duplicate_selected)
        self.delete_button = self._button("Delete", "Delete the selected shot",
                                          self.delete_selected)
        self.generate_button = self._button("Generate", "Generate the selected shot",
                                            self.generate_selected)
        self.count = QSpinBox()
        self.count.setRange(1, 16)
        self.count.setPrefix("× ")
        self.count.setToolTip("How many variations Generate makes")
        self.missing_button = self._button("Generate Missing",
                                           "Generate every shot that has no take yet",
                                           self.generate_missing)
        row = QHBoxLayout()
        for widget in (self.add_button, self.duplicate_button, self.delete_button):
            row.addWidget(widget)
        row.addStretch(1)
        row2 = QHBoxLayout()
        for widget in (self.generate_button, self.count, self.missing_button):
            row2.addWidget(widget)
        row2.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.list, 1)
        layout.addLayout(row2)

        events = project.events
        self._subscriptions = [
            (events.shot_added, self._on_project_shots_changed),
            (events.shot_removed, self._on_project_shots_changed),
            (events.shots_reordered, self._on_project_shots_changed),
            (events.shot_changed, self._on_project_shot_changed),
            (project.jobs.events.job_changed, self._on_jobs_changed),
            (project.jobs.events.job_added, self._on_jobs_changed),
        ]
        for signal, slot in self._subscriptions:
            signal.connect(slot)
        thumbnails.ready.connect(self._on_thumbnails_ready)
        self._rebuild()

    def detach(self) -> None:
        for signal, slot in self._subscriptions:
            signal.disconnect(slot)
        self._subscriptions = []
        self.thumbnails.ready.disconnect(self._on_thumbnails_ready)

    def _button(self, text: str, tip: str, slot: Callable[[], object]) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.clicked.connect(lambda: self._guarded(slot))
        return button

    def _guarded(self, action: Callable[[], object]) -> None:
        try:
            action()
        except BadInput as exc:
            self.error.emit(str(exc))

    # --- reading ----------------------------------------------------------------------------

    def selected_shot_id(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def select_shot(self, shot_id: str) -> None:
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == shot_id:
                self.list.setCurrentRow(row)
                return

    def card_text(self, shot_id: str) -> str:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(Qt.ItemDataRole.UserRole) == shot_id:
                return item.text()
        raise KeyError(shot_id)

    def status(self, shot: Shot) -> str:
        jobs = [j for j in self.project.jobs.jobs if j.shot_id == shot.id]
        running = [j for j in jobs if j.state is JobState.RUNNING]
        if running:
            return f"Generating {int(running[0].progress * 100)}%"
        if any(j.state is JobState.QUEUED for j in jobs):
            return "Queued"
        takes = len(shot.takes)
        if takes:
            return f"{takes} take{'s' if takes != 1 else ''}"
        failed = [j for j in jobs if j.state is JobState.FAILED]
        if failed:
            return f"Failed: {failed[-1].message}"
        return "No take yet"

    # --- acting -----------------------------------------------------------------------------

    def add_shot(self) -> Shot:
        current = self.selected_shot_id()
        index = None
        if current:
            index = self.project.shots.index(self.project.shot(current)) + 1
        shot = self._new_shot(self._unique_name("Shot"))
        self.undo.push(AddShot(shot, index))
        self.select_shot(shot.id)
        return shot

    def _new_shot(self, name: str, mode: Mode = Mode.TEXT,
                  references: list[str] | None = None) -> Shot:
        """A new shot as the user's preferences and the model ask: the default model and
        preset, at the model's own size when it has one, else the project's. It is made at the
        project's frame rate, so its takes play on the timeline as they do on their own."""
        prefs = load_settings()
        shot = Shot(name=name, prompt="", mode=mode, references=list(references or []))
        if prefs.default_model:
            shot.model = prefs.default_model
        size = self.native_size(shot.model)
        shot.settings.width, shot.settings.height = size or (self.project.width,
                                                             self.project.height)
        shot.settings.fps = self.project.rate
        shot.settings.preset = prefs.preset
        return shot

    def duplicate_selected(self) -> Shot | None:
        shot_id = self.selected_shot_id()
        if not shot_id:
            return None
        source = self.project.shot(shot_id)
        shot = Shot(name=self._unique_name(source.name), prompt=source.prompt,
                    negative_prompt=source.negative_prompt, model=source.model,
                    mode=source.mode, settings=copy.deepcopy(source.settings),
                    references=list(source.references))
        self.undo.push(AddShot(shot, self.project.shots.index(source) + 1))
        self.select_shot(shot.id)
        return shot

    def rename_selected(self, name: str | None = None) -> None:
        """Rename the selected shot (asks for the name when none is given)."""
        shot_id = self.selected_shot_id()
        if not shot_id:
            return
        shot = self.project.shot(shot_id)
        if name is None:
            name, ok = QInputDialog.getText(self, "Rename Shot", "Name", text=shot.name)
            if not ok:
                return
        if name.strip() and name.strip() != shot.name:
            self.undo.push(RenameShot(shot_id, name.strip()))

    def delete_selected(self) -> None:
        shot_id = self.selected_shot_id()
        if shot_id:
            self.undo.push(RemoveShot(shot_id))

    def generate_selected(self) -> None:
        shot_id = self.selected_shot_id()
        if not shot_id:
            raise BadInput("select a shot to generate first")
        self.controller.generate_shot(shot_id, self.count.value())

    def generate_missing(self) -> None:
        jobs = self.controller.generate_missing(self.count.value())
        if not jobs:
            raise BadInput("every shot with a prompt already has a take or is queued")

    def add_image_shots(self, paths: list[Path], index: int | None = None) -> None:
        """Import images and make one image-to-video shot for each."""
        images = [p for p in paths if is_image(p)]
        if not images:
            self.error.emit("drop PNG, JPEG or WebP images to make image-to-video shots")
            return

        def make_shots(items: list[MediaItem]) -> None:
            at = index
            for item in items:
                if item.kind is not MediaKind.IMAGE:
                    continue
                shot = self._new_shot(self._unique_name(item.name), mode=Mode.IMAGE,
                                      references=[item.id])
                self.undo.push(AddShot(shot, at))
                at = None if at is None else at + 1
                self.select_shot(shot.id)

        self._importer(images, make_shots)

    def _unique_name(self, base: str) -> str:
        names = {s.name for s in self.project.shots}
        stem = base.rstrip("0123456789 ").strip() or "Shot"
        number = len(self.project.shots) + 1
        while f"{stem} {number}" in names:
            number += 1
        return f"{stem} {number}"

    # --- drawing ----------------------------------------------------------------------------

    def _rebuild(self) -> None:
        selected = self.selected_shot_id()
        self.list.blockSignals(True)
        self.list.clear()
        for shot in self.project.shots:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, shot.id)
            self.list.addItem(item)
            self._fill(item, shot)
        self.list.blockSignals(False)
        if selected and any(s.id == selected for s in self.project.shots):
            self.select_shot(selected)
        elif self.project.shots:
            self.list.setCurrentRow(0)
        else:
            self.shot_selected.emit("")
        self._update_buttons()

    def _fill(self, item: QListWidgetItem, shot: Shot) -> None:
        prompt = shot.prompt.strip() or "(no prompt yet)"
        if len(prompt) > 90:
            prompt = prompt[:89] + "…"
        item.setText(f"{shot.name}\n{prompt}\n{self.status(shot)}")
        item.setToolTip(shot.prompt)
        item.setData(TAKE_ROLE, shot.selected_take_id or "")
        item.setIcon(QIcon(self._thumbnail(shot)))
        item.setSizeHint(QSize(0, CARD_ICON.height() + 12))

    def _thumbnail(self, shot: Shot) -> QPixmap:
        media_id = None
        if shot.selected_take is not None:
            media_id = shot.selected_take.media_id
        elif shot.references:
            media_id = shot.references[0]
        pixmap = QPixmap(CARD_ICON)
        pixmap.fill(Qt.GlobalColor.darkGray)
        if media_id is None:
            return pixmap
        try:
            media = self.project.media_item(media_id)
        except KeyError:
            return pixmap
        image = self.thumbnails.get(self._bundle_dir() / media.path, 0,
                                    image=media.kind is MediaKind.IMAGE)
        if image is None:
            return pixmap
        return QPixmap.fromImage(image).scaled(CARD_ICON, Qt.AspectRatioMode.KeepAspectRatio,
                                               Qt.TransformationMode.SmoothTransformation)

    def _refresh(self, shot_id: str | None = None) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            sid = item.data(Qt.ItemDataRole.UserRole)
            if shot_id is None or sid == shot_id:
                try:
                    self._fill(item, self.project.shot(sid))
                except KeyError:
                    continue

    def _update_buttons(self) -> None:
        has = self.selected_shot_id() is not None
        for button in (self.duplicate_button, self.delete_button, self.generate_button):
            button.setEnabled(has)

    # --- events -----------------------------------------------------------------------------

    def _on_project_shots_changed(self, *_: object) -> None:
        self._rebuild()

    def _on_project_shot_changed(self, shot: Shot) -> None:
        self._refresh(shot.id)

    def _on_jobs_changed(self, job: object) -> None:
        self._refresh(getattr(job, "shot_id", None))

    def _on_thumbnails_ready(self, key: str) -> None:
        self._refresh()

    def _on_list_current_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        self._update_buttons()
        self.shot_selected.emit(current.data(Qt.ItemDataRole.UserRole) if current else "")

    def _on_list_moved(self, shot_id: str, row: int) -> None:
        try:
            current = self.project.shots.index(self.project.shot(shot_id))
        except KeyError:
            return
        index = row - 1 if row > current else row
        if index != current:
            self.undo.push(MoveShot(shot_id, index))
            self.select_shot(shot_id)

    def _on_list_files_dropped(self, paths: list, row: int) -> None:
        self.add_image_shots([Path(p) for p in paths], row)


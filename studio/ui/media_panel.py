"""The media pool: every imported and generated file in the project; import; drag to a track."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMimeData, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.edits import AddMedia, RemoveMedia
from studio.core.model import MediaItem, MediaKind, Project
from studio.core.timecode import rate_mismatch, rate_text
from studio.ui.background import Background
from studio.ui.drag import start_drag
from studio.ui.media_import import IMAGE_SUFFIXES, VIDEO_SUFFIXES, is_importable
from studio.ui.thumbnails import ThumbnailLoader
from studio.ui.timeline import MEDIA_MIME
from studio.ui.undo_actions import UndoActions

log = logging.getLogger(__name__)

ICON = QSize(96, 54)


class _MediaList(QListWidget):
    files_dropped = Signal(list)

    def __init__(self) -> None:
        super().__init__()
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)

    def startDrag(self, supported_actions: Qt.DropAction) -> None:
        start_drag(self)  # lend the item; never let Qt remove the row after the drop

    def mimeTypes(self) -> list[str]:
        return [MEDIA_MIME, "text/uri-list"]

    def mimeData(self, items: list[QListWidgetItem]) -> QMimeData:
        data = QMimeData()
        if items:
            media_id = items[0].data(Qt.ItemDataRole.UserRole)
            data.setData(MEDIA_MIME, json.dumps({"media_id": media_id}).encode("utf-8"))
        return data

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        paths = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)


def _import_one(project: Project, bundle: Path, path: Path) -> MediaItem:
    """On a pool thread: the studio's one import route (probe in a child, content copy)."""
    from studio.media.ingest import import_media  # av and friends load here, off the GUI thread

    return import_media(project, bundle, path)


class MediaPanel(QWidget):
    """Lists the project's media; imports files through the pool, then as one undo step each."""

    error = Signal(str)
    imported = Signal(list)  # media items just added
    media_viewed = Signal(str)  # media id double-clicked: show it in the viewer

    def __init__(self, project: Project, undo: UndoActions, background: Background,
                 thumbnails: ThumbnailLoader, bundle_dir: Callable[[], Path],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("media_panel")
        self.project, self.undo, self.background = project, undo, background
        self.thumbnails, self._bundle_dir = thumbnails, bundle_dir
        self.list = _MediaList()
        self.list.setObjectName("media_list")
        self.list.setIconSize(ICON)
        self.list.files_dropped.connect(lambda paths: self.import_paths(paths))
        self.list.itemDoubleClicked.connect(
            lambda item: self.media_viewed.emit(item.data(Qt.ItemDataRole.UserRole)))
        self.import_button = QToolButton()
        self.import_button.setText("Import…")
        self.import_button.clicked.connect(self.choose_files)
        self.remove_button = QToolButton()
        self.remove_button.setText("Remove")
        self.remove_button.setToolTip("Remove media that no clip or take uses")
        self.remove_button.clicked.connect(self.remove_selected)
        row = QHBoxLayout()
        row.addWidget(self.import_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(row)
        layout.addWidget(self.list)
        self._pending = 0
        events = project.events
        events.media_added.connect(self._on_project_media_changed)
        events.media_removed.connect(self._on_project_media_changed)
        thumbnails.ready.connect(self._on_thumbnails_ready)
        self._rebuild()

    def detach(self) -> None:
        self.project.events.media_added.disconnect(self._on_project_media_changed)
        self.project.events.media_removed.disconnect(self._on_project_media_changed)
        self.thumbnails.ready.disconnect(self._on_thumbnails_ready)

    # --- importing --------------------------------------------------------------------------

    def choose_files(self) -> None:
        patterns = " ".join(f"*{s}" for s in sorted(IMAGE_SUFFIXES | VIDEO_SUFFIXES))
        files, _ = QFileDialog.getOpenFileNames(self, "Import Media", "",
                                                f"Video and images ({patterns})")
        if files:
            self.import_paths([Path(f) for f in files])

    def import_paths(self, paths: list[Path],
                     done: Callable[[list[MediaItem]], None] | None = None) -> None:
        """Probe and copy files on the pool; add each as media on the GUI thread."""
        paths = [Path(p) for p in paths]
        wanted = [p for p in paths if is_importable(p)]
        for skipped in set(paths) - set(wanted):
            self.error.emit(f"{skipped.name} is not a video or image the studio imports")
        if not wanted:
            return
        bundle = self._bundle_dir()
        results: list[MediaItem] = []
        remaining = [len(wanted)]

        def finish_one() -> None:
            remaining[0] -= 1
            self._pending -= 1
            if remaining[0] == 0:
                if results:
                    self.imported.emit(list(results))
                if done is not None:
                    done(list(results))

        def added(item: MediaItem) -> None:
            # import_media hands back the project's own item for content it already holds;
            # the path check covers the same file imported twice at once.
            existing = item if item in self.project.media else next(
                (m for m in self.project.media if m.path == item.path), None)
            if existing is not None:
                results.append(existing)
            elif self.undo.push(AddMedia(item)):
                results.append(item)
            finish_one()

        def failed(error: BaseException) -> None:
            self.error.emit(str(error))
            finish_one()

        for path in wanted:
            self._pending += 1
            self.background.run(_import_one, self.project, bundle, path, done=added,
                                failed=failed)

    @property
    def importing(self) -> bool:
        return self._pending > 0

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.undo.push(RemoveMedia(item.data(Qt.ItemDataRole.UserRole)))

    # --- drawing ----------------------------------------------------------------------------

    def _rebuild(self) -> None:
        self.list.clear()
        for media in self.project.media:
            item = QListWidgetItem()
            item.setData(Qt.ItemDataRole.UserRole, media.id)
            self.list.addItem(item)
            self._fill(item, media)

    def _fill(self, item: QListWidgetItem, media: MediaItem) -> None:
        warning = None
        if media.kind is MediaKind.IMAGE:
            detail = f"image {media.width}×{media.height}"
        else:
            detail = (f"{media.frames} frames @ {rate_text(media.rate)} fps, "
                      f"{media.width}×{media.height}")
            warning = rate_mismatch(media.rate, self.project.rate)
        origin = "generated" if media.generated else "imported"
        mark = " · ⚠ other rate" if warning else ""
        item.setText(f"{media.name}\n{detail} · {origin}{mark}")
        item.setToolTip(f"{media.path}\n{warning}" if warning else media.path)
        pixmap = QPixmap(ICON)
        pixmap.fill(Qt.GlobalColor.darkGray)
        image = self.thumbnails.get(self._bundle_dir() / media.path, 0,
                                    image=media.kind is MediaKind.IMAGE)
        if image is not None:
            pixmap = QPixmap.fromImage(image).scaled(ICON, Qt.AspectRatioMode.KeepAspectRatio,
                                                     Qt.TransformationMode.SmoothTransformation)
        item.setIcon(QIcon(pixmap))

    def _on_project_media_changed(self, _item: MediaItem) -> None:
        self._rebuild()

    def _on_thumbnails_ready(self, _key: str) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            try:
                self._fill(item, self.project.media_item(item.data(Qt.ItemDataRole.UserRole)))
            except KeyError:
                continue

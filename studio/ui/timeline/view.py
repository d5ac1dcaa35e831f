"""`TimelineView`: the editor's timeline. A QGraphicsView over a scene holding one `TrackItem`
per track; scene x is frames, and zoom is the view's horizontal scale.

The view never writes the model. Edits go to the undo stack as commands from
`studio.core.edits`, and the view redraws when the project announces `track_changed`,
`track_added` or `track_removed`.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, QPointF, Qt, Signal
from PySide6.QtGui import (
    QContextMenuEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QShowEvent,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QGraphicsLineItem, QGraphicsScene, QGraphicsView, QWidget

from studio.core.edits import Command, EditError, UndoStack
from studio.core.model import Project, Track
from studio.ui.timeline.drops import DropController
from studio.ui.timeline.editing import TimelineEditing
from studio.ui.timeline.headers import TrackHeaders
from studio.ui.timeline.interactions import MouseController
from studio.ui.timeline.items import ClipItem, GapItem, TimelineItem, TrackItem
from studio.ui.timeline.menus import TimelineMenus
from studio.ui.timeline.ruler import PlayheadItem, RulerItem
from studio.ui.timeline.style import (
    HEADER_WIDTH,
    RULER_HEIGHT,
    TRACK_HEIGHT,
    TRACK_SPACING,
    TimelineStyle,
)
from studio.ui.timeline.thumbnails import ThumbnailProvider

log = logging.getLogger(__name__)

DEFAULT_SCALE = 6.0  # pixels per frame
MIN_SCALE = 0.02
MAX_SCALE = 80.0
ZOOM_STEP = 1.25


class TimelineView(QGraphicsView):
    """Tracks, clips and gaps; select, move, trim, split, delete; generative edits."""

    selection_changed = Signal(list)  # ids of the selected clips and gaps
    clip_activated = Signal(str)  # clip id, on double click
    playhead_moved = Signal(int)
    extend_requested = Signal(str, str)  # clip id, "forward" | "backward"
    fill_gap_requested = Signal(str, str)  # track id, gap id
    edit_refused = Signal(str)  # why an edit could not be made, for the status bar

    def __init__(
        self,
        project: Project,
        undo_stack: UndoStack,
        parent: QWidget | None = None,
        *,
        media_root: Path | None = None,
        thumbnails: ThumbnailProvider | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.project = project
        self.undo_stack = undo_stack
        self.timeline_style = TimelineStyle()
        self.thumbnails = thumbnails or ThumbnailProvider(project, media_root, parent=self)
        self.thumbnails.ready.connect(self._on_thumbnails_ready)
        self.snapping = True
        self._scale = DEFAULT_SCALE
        self._playhead = 0
        self._selected: list[str] = []
        self._shown = False
        self.track_items: dict[str, TrackItem] = {}

        scene = QGraphicsScene(self)
        scene.setBackgroundBrush(self.timeline_style.background)
        self.setScene(scene)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        # The scene is small; repainting it whole avoids trails from items that paint in
        # device pixels at extreme zoom.
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setAcceptDrops(True)
        self.setViewportMargins(HEADER_WIDTH, 0, 0, 0)
        self.setMinimumHeight(RULER_HEIGHT + TRACK_HEIGHT + 40)

        self.ruler = RulerItem(project.rate, self.timeline_style)
        self.playhead_item = PlayheadItem(self.timeline_style)
        self.snap_guide = QGraphicsLineItem()
        self.snap_guide.setPen(self.timeline_style.snap_line)
        self.snap_guide.setZValue(40)
        self.snap_guide.hide()
        for item in (self.ruler, self.playhead_item, self.snap_guide):
            scene.addItem(item)

        self.headers = TrackHeaders(self)
        self.editing = TimelineEditing(self)
        self.menus = TimelineMenus(self)
        self.mouse = MouseController(self)
        self.drops = DropController(self)
        self.viewport().installEventFilter(self.drops)  # drags from other panels land here
        self.setTransform(QTransform.fromScale(self._scale, 1.0))
        self._rebuild_tracks()
        self.verticalScrollBar().valueChanged.connect(self._on_scrolled)

        events = project.events
        events.track_changed.connect(self._on_project_track_changed)
        events.track_added.connect(self._on_project_tracks_changed)
        events.track_removed.connect(self._on_project_tracks_changed)
        self.destroyed.connect(
            lambda *_: _disconnect(project, self._on_project_track_changed,
                                   self._on_project_tracks_changed, self.thumbnails)
        )

    # ------------------------------------------------------------- public API

    @property
    def playhead(self) -> int:
        return self._playhead

    @property
    def scale_x(self) -> float:
        """Pixels per frame."""
        return self._scale

    def set_media_root(self, media_root: Path | None) -> None:
        """The project bundle that media paths are relative to (for thumbnails)."""
        self.thumbnails.set_media_root(media_root)
        self.viewport().update()

    def set_playhead(self, frame: int) -> None:
        frame = max(0, int(frame))
        if frame == self._playhead:
            return
        self._playhead = frame
        self.ruler.set_playhead(frame)
        self.playhead_item.setX(frame)
        self.headers.update()
        if frame > self.project.timeline.duration or frame >= self.ruler.width - 1:
            self._relayout()  # room past the end for a playhead moved there
        self._ensure_visible(frame)
        self.playhead_moved.emit(frame)

    def set_scale(self, pixels_per_frame: float) -> None:
        """Zoom, keeping the playhead where it is on screen."""
        scale = max(MIN_SCALE, min(MAX_SCALE, pixels_per_frame))
        if scale == self._scale:
            return
        before = self.frame_to_x(self._playhead)
        self._scale = scale
        self.setTransform(QTransform.fromScale(scale, 1.0))
        self._relayout()
        bar = self.horizontalScrollBar()
        bar.setValue(bar.value() + round(self.frame_to_x(self._playhead) - before))
        self.viewport().update()

    def zoom_in(self) -> None:
        self.set_scale(self._scale * ZOOM_STEP)

    def zoom_out(self) -> None:
        self.set_scale(self._scale / ZOOM_STEP)

    def zoom_to_fit(self) -> None:
        duration = max(1, self.project.timeline.duration)
        self.set_scale((self.viewport().width() - 24) / duration)
        self.horizontalScrollBar().setValue(0)

    def set_snapping(self, enabled: bool) -> None:
        self.snapping = enabled

    def selected_ids(self) -> list[str]:
        return list(self._selected)

    def select(self, ids: list[str]) -> None:
        """Select these clips / gaps (ids not on the timeline are dropped)."""
        known = {item.item_id for item in self.all_items()}
        ordered = list(dict.fromkeys(i for i in ids if i in known))
        if ordered == self._selected:
            return
        self._selected = ordered
        chosen = set(ordered)
        for item in self.all_items():
            item.set_selected(item.item_id in chosen)
        self.selection_changed.emit(list(ordered))

    def item(self, item_id: str) -> TimelineItem:
        for item in self.all_items():
            if item.item_id == item_id:
                return item
        raise KeyError(f"the timeline shows no item {item_id}")

    def clip_items(self) -> list[ClipItem]:
        return [i for t in self.track_items.values() for i in t.items if isinstance(i, ClipItem)]

    def gap_items(self) -> list[GapItem]:
        return [i for t in self.track_items.values() for i in t.items if isinstance(i, GapItem)]

    def all_items(self) -> list[TimelineItem]:
        return [i for t in self.track_items.values() for i in t.items]

    def push(self, command: Command) -> bool:
        """Apply an edit; a refused edit is reported, never raised into Qt's event loop."""
        try:
            self.undo_stack.push(command)
        except (EditError, KeyError) as exc:
            message = str(exc).strip("'\"")
            log.info("edit refused: %s", message)
            self.edit_refused.emit(message)
            return False
        return True

    # ------------------------------------------------------------- geometry

    def frame_to_x(self, frame: float) -> float:
        """Viewport x of a frame."""
        return frame * self._scale - self.horizontalScrollBar().value()

    def x_to_frame(self, x: float) -> float:
        """The frame (fractional) under a viewport x."""
        return (x + self.horizontalScrollBar().value()) / self._scale

    def rows(self) -> list[TrackItem]:
        """Track items from the top row down (the last track is on top)."""
        return list(reversed(self.track_items.values()))

    def track_item_at_scene_y(self, y: float) -> TrackItem | None:
        for track_item in self.track_items.values():
            if track_item.y() <= y < track_item.y() + TRACK_HEIGHT + TRACK_SPACING:
                return track_item
        return None

    def nearest_track_item(self, y: float) -> TrackItem | None:
        if not self.track_items:
            return None
        return min(self.track_items.values(),
                   key=lambda t: abs(t.y() + TRACK_HEIGHT / 2 - y))

    def _ensure_visible(self, frame: int) -> None:
        x = self.frame_to_x(frame)
        width = self.viewport().width()
        if 0 <= x <= width or width <= 0:
            return
        # Page along as editors do during playback rather than keeping the playhead centred.
        bar = self.horizontalScrollBar()
        bar.setValue(max(0, round(frame * self._scale - width * 0.1)))

    # ------------------------------------------------------------- building

    def _rebuild_tracks(self) -> None:
        scene = self.scene()
        for track_item in self.track_items.values():
            scene.removeItem(track_item)
        self.track_items = {}
        tracks = self.project.timeline.tracks
        for index, track in enumerate(tracks):
            track_item = TrackItem(track, self.timeline_style, self.thumbnails, alt=index % 2 == 1)
            scene.addItem(track_item)
            self.track_items[track.id] = track_item
        self._relayout()

    def _relayout(self) -> None:
        tracks = self.project.timeline.tracks
        rows = len(tracks)
        for index, track in enumerate(tracks):
            # The last track is drawn on top, as in every editor: it is the one that is seen.
            row = rows - 1 - index
            y = RULER_HEIGHT + row * (TRACK_HEIGHT + TRACK_SPACING)
            self.track_items[track.id].setPos(0, y)
        visible = max(1.0, self.viewport().width() / self._scale)
        # A screen of room after the end (or the playhead) to drop, move and zoom into.
        width = max(self.project.timeline.duration, self._playhead) + visible
        # A row of room under the lowest track, where a drop makes a new track.
        height = RULER_HEIGHT + (rows + 1) * (TRACK_HEIGHT + TRACK_SPACING)
        for track_item in self.track_items.values():
            track_item.set_width(width)
        self.ruler.set_width(width)
        self.playhead_item.set_height(height - RULER_HEIGHT)
        self.playhead_item.setPos(self._playhead, RULER_HEIGHT)
        self.scene().setSceneRect(0, 0, width, height)
        self._on_scrolled()
        self.headers.update()

    def reselect(self) -> None:
        known = {item.item_id for item in self.all_items()}
        kept = [i for i in self._selected if i in known]
        for item in self.all_items():
            item.set_selected(item.item_id in kept)
        if kept != self._selected:
            self._selected = kept
            self.selection_changed.emit(list(kept))

    # ------------------------------------------------------------- model events

    def _on_project_track_changed(self, track: Track) -> None:
        track_item = self.track_items.get(track.id)
        if track_item is None:
            return
        self.mouse.cancel()
        track_item.rebuild()
        self._relayout()
        self.reselect()

    def _on_project_tracks_changed(self, track: Track, index: int) -> None:
        self.mouse.cancel()
        self._rebuild_tracks()
        self.reselect()

    def _on_thumbnails_ready(self, media_id: str) -> None:
        self.viewport().update()

    def _on_scrolled(self, *_: object) -> None:
        # The ruler stays at the top of the viewport however far the tracks scroll.
        self.ruler.setY(self.mapToScene(0, 0).y())
        self.headers.update()

    # ------------------------------------------------------------- Qt events

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._shown:
            self._shown = True
            # A cut longer than the panel opens fitted, so all of it is seen at first.
            if self.frame_to_x(self.project.timeline.duration) > self.viewport().width():
                self.zoom_to_fit()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        frame = self.frameWidth()
        self.headers.setGeometry(frame, frame, HEADER_WIDTH, self.viewport().height())
        self._relayout()

    def event(self, event: QEvent) -> bool:
        # Claim the editing keys before window-wide shortcuts (Edit > Delete...) see them.
        is_override = event.type() == QEvent.Type.ShortcutOverride
        if is_override and isinstance(event, QKeyEvent) and self.editing.handles(event):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if not self.editing.key_pressed(event):
            super().keyPressEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.set_scale(self._scale * ZOOM_STEP**steps)
            event.accept()
            return
        super().wheelEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.mouse.press(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self.mouse.move(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.mouse.release(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.mouse.double_click(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        menu = self.menus.menu_at(QPointF(event.pos()))
        menu.exec(event.globalPos())



def _disconnect(project: Project, on_track: object, on_tracks: object,
                thumbnails: ThumbnailProvider) -> None:
    events = project.events
    events.track_changed.disconnect(on_track)
    events.track_added.disconnect(on_tracks)
    events.track_removed.disconnect(on_tracks)
    thumbnails.shutdown()

"""Dropping a take (from the storyboard) or a media item (from the media panel) onto a track
places it there as a new clip (an overwrite edit, as dragging into a timeline does). Dropping it
in the empty space under the lowest track makes a new track there for it, in one undo step."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QMimeData, QObject, QPointF, QRectF
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QGraphicsRectItem

from studio.core.edits import AddTrack, Macro, PlaceClip
from studio.core.model import Clip, FrameRange, MediaKind, Project, Track
from studio.core.track_edits import free_track_name
from studio.ui.timeline.items import TrackItem
from studio.ui.timeline.snapping import edge_targets, snap
from studio.ui.timeline.style import SNAP_DISTANCE, TRACK_HEIGHT, TRACK_SPACING

if TYPE_CHECKING:
    from studio.ui.timeline.view import TimelineView

log = logging.getLogger(__name__)

TAKE_MIME = "application/x-studio-take"  # JSON {"shot_id": ..., "take_id": ...}
MEDIA_MIME = "application/x-studio-media"  # JSON {"media_id": ...}
STILL_SECONDS = 5  # how long a dropped still image lasts, as in most editors


def clip_from_mime(project: Project, mime: QMimeData) -> Clip | None:
    """The clip a drag would place, or None when it carries nothing the timeline takes."""
    try:
        if mime.hasFormat(TAKE_MIME):
            data = json.loads(bytes(mime.data(TAKE_MIME).data()).decode("utf-8"))
            shot = project.shot(str(data["shot_id"]))
            take = shot.take(str(data["take_id"]))
            media = project.media_item(take.media_id)
            number = shot.takes.index(take) + 1
            name = shot.name if len(shot.takes) == 1 else f"{shot.name} (take {number})"
            return Clip(name, media.id, _full_range(project, media.kind, media.frames),
                        shot_id=shot.id, take_id=take.id)
        if mime.hasFormat(MEDIA_MIME):
            data = json.loads(bytes(mime.data(MEDIA_MIME).data()).decode("utf-8"))
            media = project.media_item(str(data["media_id"]))
            return Clip(media.name, media.id, _full_range(project, media.kind, media.frames))
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("ignored a drop the timeline cannot use: %s", exc)
    return None


def _full_range(project: Project, kind: MediaKind, frames: int) -> FrameRange:
    if kind is MediaKind.IMAGE:
        return FrameRange(0, max(1, round(project.rate * STILL_SECONDS)))
    return FrameRange(0, max(1, frames))


class DropController(QObject):
    """Shows where the clip would land while dragging, and places it on drop. Filters the
    view's viewport events, where Qt delivers drags."""

    def __init__(self, view: TimelineView) -> None:
        super().__init__(view)
        self.view = view
        self.clip: Clip | None = None
        self.marker = QGraphicsRectItem()
        self.marker.setPen(view.timeline_style.drop_pen)
        self.marker.setBrush(view.timeline_style.drop_brush)
        self.marker.setZValue(35)
        self.marker.hide()
        view.scene().addItem(self.marker)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.DragEnter and isinstance(event, QDragEnterEvent):
            self.enter(event)
        elif kind == QEvent.Type.DragMove and isinstance(event, QDragMoveEvent):
            self.move(event)
        elif kind == QEvent.Type.DragLeave:
            self.leave()
        elif kind == QEvent.Type.Drop and isinstance(event, QDropEvent):
            self.drop(event)
        else:
            return False
        return True

    def enter(self, event: QDragEnterEvent) -> None:
        self.clip = clip_from_mime(self.view.project, event.mimeData())
        if self.clip is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self._show(event.position())

    def move(self, event: QDragMoveEvent) -> None:
        if self.clip is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self._show(event.position())

    def leave(self) -> None:
        self.clip = None
        self.marker.hide()

    def drop(self, event: QDropEvent) -> None:
        clip = self.clip or clip_from_mime(self.view.project, event.mimeData())
        self.leave()
        if clip is None:
            event.ignore()
            return
        target = self.target(event.position(), clip)
        if target is None:
            event.ignore()
            return
        track_item, frame = target
        event.acceptProposedAction()
        if track_item is None:
            tracks = self.view.project.timeline.tracks
            track = Track(free_track_name(tracks))
            command = Macro(
                "Place Clip on New Track",
                [AddTrack(index=0, track=track), PlaceClip(track.id, clip, frame)],
            )
        else:
            command = PlaceClip(track_item.track.id, clip, frame)
        if self.view.push(command):
            self.view.select([clip.id])

    def target(self, pos: QPointF, clip: Clip) -> tuple[TrackItem | None, int] | None:
        """The track and start frame a drop at a viewport point lands on (snapped). The track is
        None under the lowest one, where the drop makes a new lowest track."""
        view = self.view
        scene_y = view.mapToScene(pos.toPoint()).y()
        track_item = view.track_item_at_scene_y(scene_y)
        if track_item is None and scene_y < self._new_row_y():
            track_item = view.nearest_track_item(scene_y)
            if track_item is None:
                return None
        frame = max(0, round(view.x_to_frame(pos.x())))
        if view.snapping:
            targets = edge_targets(view.project.timeline, view.playhead)
            found = snap([frame, frame + clip.duration], targets, SNAP_DISTANCE / view.scale_x)
            if found is not None and frame + found.shift >= 0:
                frame += found.shift
        return track_item, frame

    def _new_row_y(self) -> float:
        """Where a new lowest track would be drawn: just under the lowest one."""
        tracks = self.view.project.timeline.tracks
        if not tracks:
            return 0.0
        return self.view.track_items[tracks[0].id].y() + TRACK_HEIGHT + TRACK_SPACING

    def _show(self, pos: QPointF) -> None:
        if self.clip is None:
            return
        target = self.target(pos, self.clip)
        if target is None:
            self.marker.hide()
            return
        track_item, frame = target
        y = self._new_row_y() if track_item is None else track_item.y()
        self.marker.setRect(QRectF(frame, y, self.clip.duration, TRACK_HEIGHT))
        self.marker.show()

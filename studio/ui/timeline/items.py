"""Graphics items for the model's types: one `TrackItem` per `Track`, holding one `ClipItem`
per `Clip` and one `GapItem` per `Gap` (otioview's shape).

Scene x is in frames and the view scales it to pixels, so items paint in device pixels
(`_device_rect`) to keep names and thumbnails sharp at any zoom. Items never write the model;
they are rebuilt when the project says a track changed.
"""

from __future__ import annotations

import logging
from typing import Protocol

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QGraphicsItem, QGraphicsObject, QStyleOptionGraphicsItem, QWidget

from studio.core.model import Clip, Gap, Track
from studio.ui.timeline.style import THUMB_HEIGHT, TRACK_HEIGHT, TimelineStyle

log = logging.getLogger(__name__)

TITLE_HEIGHT = TRACK_HEIGHT - THUMB_HEIGHT


class ThumbnailSource(Protocol):
    """Gives a ready pixmap, or None and starts decoding it off the GUI thread."""

    def pixmap(self, media_id: str, frame: int) -> QPixmap | None: ...


def _device_rect(painter: QPainter, rect: QRectF) -> QRectF:
    """The item rect in device pixels, so painting can drop the horizontal zoom."""
    return painter.transform().mapRect(rect)


def _visible(painter: QPainter, rect: QRectF) -> QRectF:
    device = painter.device()
    return rect.intersected(QRectF(0, 0, device.width(), device.height()))


class TimelineItem(QGraphicsObject):
    """What clips and gaps share: a frame span on a track and a selected state."""

    def __init__(self, item: Clip | Gap, start: int, style: TimelineStyle) -> None:
        super().__init__()
        self.style = style
        self.model_item = item
        self.start = start
        self.selected = False
        self._rect = QRectF(0, 0, item.duration, TRACK_HEIGHT)
        self.setPos(start, 0)

    @property
    def item_id(self) -> str:
        return self.model_item.id

    @property
    def duration(self) -> int:
        return int(self._rect.width())

    @property
    def end(self) -> int:
        return self.start + self.duration

    @property
    def track_item(self) -> TrackItem:
        parent = self.parentItem()
        assert isinstance(parent, TrackItem)
        return parent

    def boundingRect(self) -> QRectF:
        return self._rect

    def preview_span(self, start: int, duration: int) -> None:
        """Show the item at another span while a trim is dragged (the model is untouched)."""
        self.prepareGeometryChange()
        self._rect = QRectF(0, 0, max(1, duration), TRACK_HEIGHT)
        self.setPos(start, 0)

    def set_selected(self, selected: bool) -> None:
        if selected != self.selected:
            self.selected = selected
            self.update()


class ClipItem(TimelineItem):
    """A clip: coloured body, its name on a title bar, first and last frame thumbnails."""

    def __init__(
        self, clip: Clip, start: int, style: TimelineStyle, thumbs: ThumbnailSource | None
    ) -> None:
        super().__init__(clip, start, style)
        self.clip = clip
        self.thumbs = thumbs
        self.setZValue(2)
        self.setToolTip(clip.name)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        style = self.style
        rect = _device_rect(painter, self._rect).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.save()
        painter.resetTransform()
        body, title = style.clip_brushes(self.clip.media_id)
        painter.setPen(style.clip_border)
        painter.setBrush(body)
        painter.drawRect(rect)
        title_rect = QRectF(rect.left(), rect.top(), rect.width(), TITLE_HEIGHT)
        painter.fillRect(title_rect.adjusted(1, 1, -1, 0), title)
        if rect.width() > 14:
            self._paint_thumbnails(painter, rect)
            self._paint_name(painter, _visible(painter, title_rect))
        if self.selected:
            painter.setPen(style.clip_selected)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(rect.adjusted(1, 1, -1, -1))
        painter.restore()

    def _paint_name(self, painter: QPainter, title: QRectF) -> None:
        if title.width() < 8:
            return
        metrics = self.style.clip_metrics
        text_rect = title.adjusted(5, 0, -4, 0)
        elide = Qt.TextElideMode.ElideRight
        text = metrics.elidedText(self.clip.name, elide, int(text_rect.width()))
        painter.setFont(self.style.clip_font)
        painter.setPen(self.style.clip_text_shadow)
        painter.drawText(text_rect.translated(1, 1), Qt.AlignmentFlag.AlignVCenter, text)
        painter.setPen(self.style.clip_text)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter, text)

    def _paint_thumbnails(self, painter: QPainter, rect: QRectF) -> None:
        strip = QRectF(
            rect.left() + 1, rect.top() + TITLE_HEIGHT, rect.width() - 2, THUMB_HEIGHT - 1
        )
        first = self.clip.source_range.start
        last = self.clip.source_range.end_exclusive - 1
        head = self._thumb(first)
        thumb_w = _thumb_width(head, strip.height())
        painter.setClipRect(strip)
        self._paint_thumb(painter, head, QRectF(strip.left(), strip.top(), thumb_w, strip.height()))
        # The tail frame too once the clip is wide enough to show both without overlap.
        if strip.width() >= 2 * thumb_w + 8 and last != first:
            tail = self._thumb(last)
            tail_rect = QRectF(strip.right() - thumb_w, strip.top(), thumb_w, strip.height())
            self._paint_thumb(painter, tail, tail_rect)
        painter.setClipping(False)

    def _thumb(self, frame: int) -> QPixmap | None:
        if self.thumbs is None:
            return None
        return self.thumbs.pixmap(self.clip.media_id, frame)

    def _paint_thumb(self, painter: QPainter, pixmap: QPixmap | None, target: QRectF) -> None:
        if pixmap is None or pixmap.isNull():
            # Not decoded yet: a dim frame where the picture will appear.
            painter.setPen(self.style.thumb_placeholder_pen)
            painter.setBrush(self.style.thumb_placeholder)
            painter.drawRect(target.adjusted(2, 2, -2, -2))
            return
        painter.drawPixmap(target, pixmap, QRectF(pixmap.rect()))


def _thumb_width(pixmap: QPixmap | None, height: float) -> float:
    if pixmap is None or pixmap.isNull() or pixmap.height() == 0:
        return height * 16 / 9
    return height * pixmap.width() / pixmap.height()


class GapItem(TimelineItem):
    """Empty time on a track; selectable so it can be filled by a generation."""

    def __init__(self, gap: Gap, start: int, style: TimelineStyle) -> None:
        super().__init__(gap, start, style)
        self.gap = gap
        self.fillable = False  # a clip on both sides: a generation can fill it
        self.setZValue(1)

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        rect = _device_rect(painter, self._rect).adjusted(0.5, 4.5, -0.5, -4.5)
        painter.save()
        painter.resetTransform()
        if self.selected:
            painter.setPen(self.style.gap_selected_pen)
            painter.setBrush(self.style.gap_selected_brush)
            painter.drawRect(rect)
        elif self.fillable:
            # Only gaps between clips are outlined: those are the ones worth clicking.
            painter.setPen(self.style.gap_pen)
            painter.setBrush(self.style.gap_brush)
            painter.drawRect(rect)
        painter.restore()


class TrackItem(QGraphicsItem):
    """One row: the background and the items of one `Track`, rebuilt when the track changes."""

    def __init__(
        self, track: Track, style: TimelineStyle, thumbs: ThumbnailSource | None, alt: bool
    ) -> None:
        super().__init__()
        self.track = track
        self.style = style
        self.thumbs = thumbs
        self.alt = alt
        self.width = 1.0
        self.items: list[TimelineItem] = []
        self.rebuild()

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self.width, TRACK_HEIGHT)

    def set_width(self, frames: float) -> None:
        if frames != self.width:
            self.prepareGeometryChange()
            self.width = frames

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        brush = self.style.track_row_alt if self.alt else self.style.track_row
        painter.fillRect(self.boundingRect(), brush)

    def rebuild(self) -> None:
        """Throw away the child items and make them again from the track's items."""
        scene = self.scene()
        for child in self.items:
            child.setParentItem(None)
            if scene is not None:
                scene.removeItem(child)
        self.items = []
        start = 0
        for model_item in self.track.items:
            child: TimelineItem
            if isinstance(model_item, Clip):
                child = ClipItem(model_item, start, self.style, self.thumbs)
            else:
                child = GapItem(model_item, start, self.style)
            child.setParentItem(self)
            self.items.append(child)
            start += model_item.duration
        for index, child in enumerate(self.items):
            if isinstance(child, GapItem):
                child.fillable = (
                    0 < index < len(self.items) - 1
                    and isinstance(self.items[index - 1], ClipItem)
                    and isinstance(self.items[index + 1], ClipItem)
                )

    def item_at(self, frame: float) -> TimelineItem | None:
        for child in self.items:
            if child.start <= frame < child.end:
                return child
        return None

    def clip_items(self) -> list[ClipItem]:
        return [child for child in self.items if isinstance(child, ClipItem)]

    def neighbours(self, item: TimelineItem) -> tuple[TimelineItem | None, TimelineItem | None]:
        index = self.items.index(item)
        before = self.items[index - 1] if index > 0 else None
        after = self.items[index + 1] if index + 1 < len(self.items) else None
        return before, after

    def local_frame(self, scene_pos: QPointF) -> float:
        return self.mapFromScene(scene_pos).x()

"""The timecode ruler across the top of the timeline and the playhead line through it."""

from __future__ import annotations

import logging
import math
from fractions import Fraction

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPolygonF
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from studio.core.timecode import to_timecode
from studio.ui.timeline.style import RULER_HEIGHT, TimelineStyle

log = logging.getLogger(__name__)

MIN_LABEL_SPACING = 96  # pixels between timecode labels
MIN_TICK_SPACING = 6  # pixels between the small ticks


def label_step(rate: Fraction, pixels_per_frame: float) -> int:
    """Frames between labels: a whole number of frames or seconds that leaves room for text."""
    fps = max(1, round(float(rate)))
    candidates = [1, 2, 5, 10] + [
        fps * seconds for seconds in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600)
    ]
    for step in sorted(set(candidates)):
        if step * pixels_per_frame >= MIN_LABEL_SPACING:
            return step
    return fps * 3600


def tick_step(step: int, pixels_per_frame: float) -> int:
    """Frames between the small ticks inside one label step, or 0 for none."""
    for divisions in (10, 5, 4, 2):
        minor = step / divisions
        if minor == int(minor) and minor * pixels_per_frame >= MIN_TICK_SPACING:
            return int(minor)
    return 0


class RulerItem(QGraphicsItem):
    """Ticks and timecode, and the playhead's handle. Stays at the top of the viewport: the view
    moves it down as the timeline scrolls vertically."""

    def __init__(self, rate: Fraction, style: TimelineStyle) -> None:
        super().__init__()
        self.rate = rate
        self.style = style
        self.playhead = 0
        self.width = 1.0
        self.setZValue(20)

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self.width, RULER_HEIGHT)

    def set_width(self, frames: float) -> None:
        if frames != self.width:
            self.prepareGeometryChange()
            self.width = frames

    def set_playhead(self, frame: int) -> None:
        self.playhead = frame
        self.update()

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        style = self.style
        transform = painter.transform()
        scale = transform.m11()
        if scale <= 0:
            return
        device = painter.device()
        rect = transform.mapRect(self.boundingRect())
        visible = rect.intersected(QRectF(0, 0, device.width(), device.height()))
        painter.save()
        painter.resetTransform()
        painter.fillRect(visible, style.ruler_bg)
        origin = rect.left()
        first_frame = max(0, math.floor((visible.left() - origin) / scale))
        last_frame = math.ceil((visible.right() - origin) / scale)
        step = label_step(self.rate, scale)
        minor = tick_step(step, scale)
        bottom = rect.bottom()
        if minor:
            painter.setPen(style.ruler_minor)
            frame = first_frame - first_frame % minor
            while frame <= last_frame:
                x = origin + frame * scale
                painter.drawLine(QPointF(x, bottom - 5), QPointF(x, bottom))
                frame += minor
        painter.setPen(style.ruler_line)
        painter.setFont(style.ruler_font)
        frame = first_frame - first_frame % step
        while frame <= last_frame:
            x = origin + frame * scale
            painter.drawLine(QPointF(x, bottom - 12), QPointF(x, bottom))
            painter.setPen(style.ruler_text)
            painter.drawText(QPointF(x + 4, rect.top() + 12), to_timecode(frame, self.rate))
            painter.setPen(style.ruler_line)
            frame += step
        painter.drawLine(QPointF(visible.left(), bottom), QPointF(visible.right(), bottom))
        self._paint_handle(painter, origin + self.playhead * scale, bottom)
        painter.restore()

    def _paint_handle(self, painter: QPainter, x: float, bottom: float) -> None:
        painter.setPen(self.style.no_pen)
        painter.setBrush(self.style.playhead_brush)
        top = bottom - 14
        painter.drawPolygon(
            QPolygonF(
                [
                    QPointF(x - 6, top),
                    QPointF(x + 6, top),
                    QPointF(x + 6, bottom - 6),
                    QPointF(x, bottom),
                    QPointF(x - 6, bottom - 6),
                ]
            )
        )


class PlayheadItem(QGraphicsItem):
    """The red line at the current frame, over every track."""

    def __init__(self, style: TimelineStyle) -> None:
        super().__init__()
        self.style = style
        self.height = float(RULER_HEIGHT)
        self.setZValue(30)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)

    def boundingRect(self) -> QRectF:
        return QRectF(-1, 0, 2, self.height)

    def set_height(self, height: float) -> None:
        if height != self.height:
            self.prepareGeometryChange()
            self.height = height

    def paint(
        self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None
    ) -> None:
        top = painter.transform().map(QPointF(0, 0))
        painter.save()
        painter.resetTransform()
        painter.setPen(self.style.playhead)
        painter.drawLine(QPointF(top.x(), top.y()), QPointF(top.x(), top.y() + self.height))
        painter.restore()

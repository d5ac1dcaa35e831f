"""The strip left of the tracks: each track's name, and the playhead's timecode above them."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QContextMenuEvent, QPainter, QPaintEvent
from PySide6.QtWidgets import QWidget

from studio.core.timecode import to_timecode
from studio.ui.timeline.style import RULER_HEIGHT, TRACK_HEIGHT

if TYPE_CHECKING:
    from studio.ui.timeline.view import TimelineView

log = logging.getLogger(__name__)


class TrackHeaders(QWidget):
    """Lives in the view's left margin and follows its vertical scroll."""

    def __init__(self, view: TimelineView) -> None:
        super().__init__(view)
        self.view = view
        self.setObjectName("timeline_headers")

    def paintEvent(self, event: QPaintEvent) -> None:
        view = self.view
        style = view.timeline_style
        painter = QPainter(self)
        painter.fillRect(self.rect(), style.header_bg)
        painter.setFont(style.header_font)
        for track_item in view.track_items.values():
            top = view.mapFromScene(0, track_item.y()).y()
            row = QRectF(0, top, self.width(), TRACK_HEIGHT)
            brush = style.track_row_alt if track_item.alt else style.track_row
            painter.fillRect(row.adjusted(0, 0, -1, 0), brush)
            painter.setPen(style.header_text)
            painter.drawText(
                row.adjusted(8, 0, -4, 0), Qt.AlignmentFlag.AlignVCenter, track_item.track.name
            )
        # The corner above the names shows where the playhead is.
        corner = QRectF(0, 0, self.width(), RULER_HEIGHT)
        painter.fillRect(corner, style.ruler_bg)
        painter.setFont(style.ruler_font)
        painter.setPen(style.playhead.color())
        painter.drawText(
            corner, Qt.AlignmentFlag.AlignCenter, to_timecode(view.playhead, view.project.rate)
        )
        painter.end()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        y = self.view.mapToScene(0, event.pos().y()).y()
        track_item = self.view.track_item_at_scene_y(y)
        menu = self.view.menus.track_menu(track_item.track if track_item else None)
        menu.exec(event.globalPos())

"""Sizes, colours, pens, brushes and fonts of the timeline, made once per view.

Painting code only reads these; creating QPen/QBrush/QFont objects inside `paint()` is what
makes big timelines stutter, so every item gets the one `TimelineStyle` of its view.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QPen

log = logging.getLogger(__name__)

RULER_HEIGHT = 28  # pixels; the timecode ruler across the top
TRACK_HEIGHT = 64  # pixels per track row
TRACK_SPACING = 2  # pixels between rows
HEADER_WIDTH = 88  # pixels; the track names on the left
EDGE_GRAB = 6  # pixels either side of a clip edge that start a trim instead of a move
SNAP_DISTANCE = 8  # pixels within which an edge snaps to a target
THUMB_HEIGHT = TRACK_HEIGHT - 22  # the strip under the clip name

# A colour per clip so neighbouring clips read apart; chosen from the media id so a clip keeps
# its colour when it moves or is split.
_CLIP_HUES = (205, 160, 265, 30, 330, 95, 185, 50)


def _pen(color: QColor, width: float = 1.0) -> QPen:
    pen = QPen(color, width)
    pen.setCosmetic(True)  # stays one pixel however far the view is zoomed
    return pen


class TimelineStyle:
    """Everything the timeline paints with, made once."""

    def __init__(self) -> None:
        self.background = QColor(30, 31, 34)
        self.track_row = QBrush(QColor(40, 41, 45))
        self.track_row_alt = QBrush(QColor(36, 37, 41))
        self.header_bg = QColor(46, 47, 52)
        self.header_text = QColor(210, 212, 218)
        self.ruler_bg = QBrush(QColor(48, 49, 54))
        self.ruler_line = _pen(QColor(120, 122, 130))
        self.ruler_text = QColor(190, 192, 200)
        self.ruler_minor = _pen(QColor(85, 87, 95))
        self.playhead = _pen(QColor(255, 70, 60), 1.5)
        self.playhead_brush = QBrush(QColor(255, 70, 60))
        self.snap_line = _pen(QColor(255, 210, 60), 1.0)
        self.clip_border = _pen(QColor(15, 15, 18))
        self.clip_selected = _pen(QColor(255, 196, 40), 2.0)
        self.clip_text = QColor(245, 245, 248)
        self.clip_text_shadow = QColor(0, 0, 0, 160)
        self.thumb_placeholder = QBrush(QColor(20, 20, 24, 170))
        self.thumb_placeholder_pen = _pen(QColor(90, 90, 100))
        self.gap_brush = QBrush(Qt.BrushStyle.NoBrush)
        self.gap_selected_brush = QBrush(QColor(255, 196, 40, 50), Qt.BrushStyle.BDiagPattern)
        self.gap_selected_pen = _pen(QColor(255, 196, 40), 1.5)
        self.gap_pen = _pen(QColor(78, 80, 90))
        self.gap_pen.setStyle(Qt.PenStyle.DashLine)
        self.drop_pen = _pen(QColor(120, 200, 255), 2.0)
        self.drop_brush = QBrush(QColor(120, 200, 255, 60))
        self.no_pen = QPen(Qt.PenStyle.NoPen)

        self.clip_font = QFont()
        self.clip_font.setPointSizeF(9.0)
        self.clip_font.setBold(True)
        self.clip_metrics = QFontMetrics(self.clip_font)
        self.ruler_font = QFont()
        self.ruler_font.setPointSizeF(8.0)
        self.ruler_metrics = QFontMetrics(self.ruler_font)
        self.header_font = QFont()
        self.header_font.setPointSizeF(9.0)
        self.header_font.setBold(True)

        self._media_colours: dict[str, int] = {}
        self._clip_brushes: dict[int, tuple[QBrush, QBrush]] = {}
        for index, hue in enumerate(_CLIP_HUES):
            body = QColor.fromHsl(hue, 110, 92)
            top = QColor.fromHsl(hue, 120, 118)
            self._clip_brushes[index] = (QBrush(body), QBrush(top))

    def clip_brushes(self, media_id: str) -> tuple[QBrush, QBrush]:
        """(body, title bar) brushes for a clip: each media file gets the next colour the first
        time it is seen, so a clip keeps its colour and different files rarely share one."""
        index = self._media_colours.setdefault(media_id, len(self._media_colours) % len(_CLIP_HUES))
        return self._clip_brushes[index]

"""The picture area: the current frame fitted inside a black frame of the project's shape."""

from __future__ import annotations

import logging

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

log = logging.getLogger(__name__)


class FrameDisplay(QWidget):
    """Paints a QImage letterboxed in black, with an optional caption (preview, offline)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("viewer_display")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 90)
        self.image: QImage | None = None
        self.caption = ""
        self.aspect = 16 / 9  # width / height of the frame when there is no image
        self._surround = QColor(22, 22, 24)
        self._black = QColor(0, 0, 0)
        self._caption_pen = QPen(QColor(235, 235, 240))
        self._caption_bg = QColor(0, 0, 0, 150)
        self._caption_font = QFont()
        self._caption_font.setPointSizeF(9.0)
        self._caption_font.setBold(True)

    def sizeHint(self) -> QSize:
        return QSize(480, 270)

    def set_aspect(self, width: int, height: int) -> None:
        if width > 0 and height > 0:
            self.aspect = width / height
            self.update()

    def set_image(self, image: QImage | None, caption: str = "") -> None:
        self.image = image
        self.caption = caption
        self.update()

    def frame_rect(self) -> QRectF:
        """Where the picture goes: as large as fits, centred, in its own shape."""
        aspect = self.aspect
        if self.image is not None and not self.image.isNull() and self.image.height():
            aspect = self.image.width() / self.image.height()
        width, height = float(self.width()), float(self.height())
        if width / max(1.0, height) > aspect:
            fitted_w, fitted_h = height * aspect, height
        else:
            fitted_w, fitted_h = width, width / aspect
        return QRectF((width - fitted_w) / 2, (height - fitted_h) / 2, fitted_w, fitted_h)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self._surround)
        target = self.frame_rect()
        painter.fillRect(target, self._black)
        if self.image is not None and not self.image.isNull():
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(target, self.image, QRectF(self.image.rect()))
        if self.caption:
            painter.setFont(self._caption_font)
            metrics = painter.fontMetrics()
            box = QRectF(target.left() + 8, target.top() + 8,
                         metrics.horizontalAdvance(self.caption) + 14, metrics.height() + 8)
            painter.fillRect(box, self._caption_bg)
            painter.setPen(self._caption_pen)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.caption)
        painter.end()

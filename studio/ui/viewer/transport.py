"""The viewer's controls: what is shown, transport buttons, timecode, in / out points."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.ui.viewer.display import FrameDisplay

if TYPE_CHECKING:
    from studio.ui.viewer.panel import ViewerPanel

log = logging.getLogger(__name__)


class TransportBar(QWidget):
    def __init__(self, panel: ViewerPanel) -> None:
        super().__init__(panel)
        self.panel = panel
        self._refreshing = False  # True while refresh() moves the scrubber itself
        self.setObjectName("viewer_transport")
        icons = self.style()
        pixmap = QStyle.StandardPixmap
        self._play_icon = icons.standardIcon(pixmap.SP_MediaPlay)
        self._pause_icon = icons.standardIcon(pixmap.SP_MediaPause)

        self.source_label = QLabel(self)
        self.source_label.setObjectName("viewer_source")
        self.start_button = self._button(pixmap.SP_MediaSkipBackward, "Go to start (Home)",
                                         lambda: panel.set_frame(0))
        self.back_button = self._button(pixmap.SP_MediaSeekBackward, "Back one frame (Left)",
                                        lambda: panel.set_frame(panel.frame - 1))
        self.play_button = self._button(pixmap.SP_MediaPlay, "Play / pause (Space)",
                                        panel.toggle_play)
        self.forward_button = self._button(pixmap.SP_MediaSeekForward, "Forward one frame (Right)",
                                           lambda: panel.set_frame(panel.frame + 1))
        self.end_button = self._button(pixmap.SP_MediaSkipForward, "Go to end (End)",
                                       lambda: panel.set_frame(panel.duration - 1))
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(max(9.0, mono.pointSizeF()))
        self.timecode_label = QLabel(self)
        self.timecode_label.setObjectName("viewer_timecode")
        self.timecode_label.setFont(mono)
        self.points_label = QLabel(self)
        self.points_label.setObjectName("viewer_points")
        small = QFont(mono)
        small.setPointSizeF(mono.pointSizeF() - 1)
        self.points_label.setFont(small)
        self.speed_label = QLabel(self)
        self.speed_label.setMinimumWidth(28)
        # A scrub bar over what is shown: the whole take, or the whole cut.
        self.scrubber = QSlider(Qt.Orientation.Horizontal, self)
        self.scrubber.setObjectName("viewer_scrubber")
        self.scrubber.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.scrubber.valueChanged.connect(self._on_scrubber_value_changed)

        column = QVBoxLayout(self)
        column.setContentsMargins(6, 2, 6, 4)
        column.setSpacing(0)
        column.addWidget(self.scrubber)
        row = QHBoxLayout()
        column.addLayout(row)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.source_label)
        row.addStretch(1)
        for button in (self.start_button, self.back_button, self.play_button,
                       self.forward_button, self.end_button):
            row.addWidget(button)
        row.addSpacing(10)
        row.addWidget(self.speed_label)
        row.addWidget(self.timecode_label)
        row.addStretch(1)
        row.addWidget(self.points_label)

    def _button(self, icon: QStyle.StandardPixmap, tip: str, slot: object) -> QToolButton:
        button = QToolButton(self)
        button.setIcon(self.style().standardIcon(icon))
        button.setToolTip(tip)
        button.setAutoRaise(True)
        # Buttons must not take focus, or space would press them instead of playing.
        button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    def refresh(self) -> None:
        panel = self.panel
        if panel.showing_timeline:
            self.source_label.setText("Timeline")
        else:
            try:
                self.source_label.setText(f"Take: {panel.source.media.name}")  # type: ignore[union-attr]
            except KeyError:
                self.source_label.setText("Take: (missing)")
        end = max(0, panel.duration - 1)
        self.timecode_label.setText(f"{panel.timecode(panel.frame)} / {panel.timecode(end)}")
        self.play_button.setIcon(self._pause_icon if panel.playing else self._play_icon)
        speed = panel.clock.speed
        self.speed_label.setText("" if speed in (0, 1) else f"{speed:+d}×")
        in_text = panel.timecode(panel.in_point) if panel.in_point is not None else "--:--:--:--"
        out_text = panel.timecode(panel.out_point) if panel.out_point is not None else "--:--:--:--"
        self.points_label.setText(f"In {in_text}  Out {out_text}")
        self._refreshing = True
        self.scrubber.setRange(0, end)
        self.scrubber.setValue(panel.frame)
        self._refreshing = False

    def _on_scrubber_value_changed(self, value: int) -> None:
        if not self._refreshing and value != self.panel.frame:
            self.panel.set_frame(value)


def build_layout(panel: ViewerPanel, transport: TransportBar) -> FrameDisplay:
    """Picture above, controls below; returns the picture widget."""
    display = FrameDisplay(panel)
    column = QVBoxLayout(panel)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(0)
    column.addWidget(display, 1)
    column.addWidget(transport)
    return display

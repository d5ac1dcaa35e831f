"""`ViewerPanel`: plays the cut or one take at the project rate, audio-free.

Frames come from `FrameLoader` (decoded off the GUI thread, read ahead of the playhead); the
GUI thread only turns a ready numpy frame into a QImage. Keys as in every editor: space,
J / K / L shuttle, Left / Right one frame, Home / End, I / O in and out points.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QKeyEvent
from PySide6.QtWidgets import QWidget

from studio.core.model import Project
from studio.core.timecode import to_timecode
from studio.ui.timeline.thumbnails import rgb_to_qimage
from studio.ui.viewer.frames import FrameLoader, Key
from studio.ui.viewer.playback import PlaybackClock, Shuttle
from studio.ui.viewer.sources import MediaSource, Source, TimelineSource
from studio.ui.viewer.transport import TransportBar, build_layout

log = logging.getLogger(__name__)

READ_AHEAD = 12  # frames decoded ahead of the playhead (half a second at 24 fps)

_Key = Qt.Key
_KEYS = {
    _Key.Key_Space, _Key.Key_J, _Key.Key_K, _Key.Key_L, _Key.Key_Left, _Key.Key_Right,
    _Key.Key_Home, _Key.Key_End, _Key.Key_I, _Key.Key_O, _Key.Key_X,
}


class ViewerPanel(QWidget):
    """The program / source monitor."""

    frame_changed = Signal(int)  # the frame now current (timeline frames, or the take's)

    def __init__(
        self,
        project: Project,
        parent: QWidget | None = None,
        *,
        media_root: Path | None = None,
        loader: FrameLoader | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("viewer")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.project = project
        self.loader = loader or FrameLoader(project, media_root, parent=self)
        self.loader.frame_ready.connect(self._on_loader_frame_ready)
        self.loader.frame_failed.connect(self._on_loader_frame_ready)
        self.source: Source = TimelineSource(project)
        self.frame = 0
        self.shown_frame: int | None = None  # the frame whose picture is on screen
        self.showing_preview = False
        self.dropped_frames = 0  # frames skipped in playback because they were not ready
        self.in_point: int | None = None
        self.out_point: int | None = None
        self._timeline_frame = 0  # where the cut was when a take was shown
        self.shuttle = Shuttle()
        self.clock = PlaybackClock(project.rate)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._on_timer_timeout)

        self.transport = TransportBar(self)
        self.display = build_layout(self, self.transport)
        self.display.set_aspect(project.width, project.height)

        events = project.events
        events.track_changed.connect(self._on_project_cut_changed)
        events.track_added.connect(self._on_project_cut_changed)
        events.track_removed.connect(self._on_project_cut_changed)
        loader_ = self.loader
        handler = self._on_project_cut_changed
        self.destroyed.connect(lambda *_: _disconnect(project, handler, loader_))
        self._show_current()
        self.transport.refresh()

    # ------------------------------------------------------------- public API

    @property
    def showing_timeline(self) -> bool:
        return isinstance(self.source, TimelineSource)

    @property
    def playing(self) -> bool:
        return self.clock.running

    @property
    def duration(self) -> int:
        return self.source.duration

    def set_media_root(self, media_root: Path | None) -> None:
        """The project bundle that media paths are relative to."""
        self.loader.set_media_root(media_root)
        self._show_current(force=True)

    def show_timeline(self) -> None:
        if self.showing_timeline:
            return
        self.pause()
        self.source = TimelineSource(self.project)
        self._switched(self._timeline_frame)

    def show_take(self, media_id: str) -> None:
        """Show one media file (a take, or imported media) from its first frame."""
        self.pause()
        if self.showing_timeline:
            self._timeline_frame = self.frame
        self.source = MediaSource(self.project, media_id)
        self._switched(0)

    def set_frame(self, frame: int) -> None:
        """Go to a frame (the shell calls this when the timeline's playhead moves)."""
        frame = self._clamp(frame)
        if self.playing and frame != self.frame:
            self.clock.start(frame, self.clock.speed)  # scrubbing while playing: go on from there
        self._go_to(frame)

    def show_preview(self, image: QImage) -> None:
        """A running job's live preview; the next frame change replaces it."""
        self.showing_preview = True
        self.display.set_image(image, "Live preview")

    def displayed_image(self) -> QImage | None:
        """The picture on screen, at its own size (None for black)."""
        return self.display.image

    def play(self, speed: int = 1) -> None:
        if speed > 0 and self.frame >= self._play_end(1):
            self._go_to(self.in_point if self.in_point is not None else 0)
        self.shuttle.speed = speed
        self.clock.start(self.frame, speed)
        self._timer.start(self.clock.tick_interval_ms())
        self._request_ahead()
        self.transport.refresh()

    def pause(self) -> None:
        self.shuttle.stop()
        self.clock.stop()
        self._timer.stop()
        self.transport.refresh()

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play(1)

    def set_in_point(self, frame: int | None = None) -> None:
        self.in_point = self.frame if frame is None else self._clamp(frame)
        if self.out_point is not None and self.out_point < self.in_point:
            self.out_point = None
        self.transport.refresh()

    def set_out_point(self, frame: int | None = None) -> None:
        self.out_point = self.frame if frame is None else self._clamp(frame)
        if self.in_point is not None and self.in_point > self.out_point:
            self.in_point = None
        self.transport.refresh()

    def clear_points(self) -> None:
        self.in_point = self.out_point = None
        self.transport.refresh()

    def timecode(self, frame: int) -> str:
        return to_timecode(frame, self.project.rate)

    # ------------------------------------------------------------- keys

    def event(self, event: QEvent) -> bool:
        # Claim transport keys before window-wide shortcuts see them.
        is_override = event.type() == QEvent.Type.ShortcutOverride
        if is_override and isinstance(event, QKeyEvent) and event.key() in _KEYS:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        mods = event.modifiers()
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        if key == _Key.Key_Space:
            self.toggle_play()
        elif key == _Key.Key_L:
            self.play(self.shuttle.forward())
        elif key == _Key.Key_J:
            self.play(self.shuttle.backward())
        elif key == _Key.Key_K:
            self.pause()
        elif key in (_Key.Key_Left, _Key.Key_Right):
            self.pause()
            step = 1 if key == _Key.Key_Right else -1
            self.set_frame(self.frame + step * (max(1, round(self.project.rate)) if shift else 1))
        elif key == _Key.Key_Home:
            self.pause()
            self.set_frame(0)
        elif key == _Key.Key_End:
            self.pause()
            self.set_frame(self.duration - 1)
        elif key == _Key.Key_I:
            self._go_to_or_set(self.in_point, shift, self.set_in_point)
        elif key == _Key.Key_O:
            self._go_to_or_set(self.out_point, shift, self.set_out_point)
        elif key == _Key.Key_X and mods & Qt.KeyboardModifier.AltModifier:
            self.clear_points()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    def _go_to_or_set(self, point: int | None, go: bool, setter: object) -> None:
        # I / O set a point; Shift+I / Shift+O jump to it (Premiere's keys).
        if go:
            if point is not None:
                self.set_frame(point)
        else:
            setter()  # type: ignore[operator]

    # ------------------------------------------------------------- showing frames

    def _switched(self, frame: int) -> None:
        self.in_point = self.out_point = None
        self.loader.seek()
        self.frame = self._clamp(frame)
        self.shown_frame = None
        self._show_current(force=True)
        self.transport.refresh()
        # No frame_changed here: switching what is shown is not a move of the timeline's
        # playhead, and announcing the old frame would pull a synced timeline back to it.

    def _clamp(self, frame: int) -> int:
        return max(0, min(int(frame), max(0, self.duration - 1)))

    def _go_to(self, frame: int) -> None:
        if frame == self.frame and self.shown_frame == frame and not self.showing_preview:
            return
        if abs(frame - self.frame) > READ_AHEAD:
            self.loader.seek()
        changed = frame != self.frame
        self.frame = frame
        self._show_current()
        if not self.playing:
            self._request_ahead()
        self.transport.refresh()
        if changed:
            self.frame_changed.emit(frame)

    def _key(self, frame: int) -> Key | None:
        found = self.source.at(frame)
        return None if found is None else (found.media_id, found.frame)

    def _show_current(self, force: bool = False) -> None:
        key = self._key(self.frame)
        if key is None:
            self._put(None, "")
            return
        array = self.loader.get(key)
        if array is not None:
            self._put(rgb_to_qimage(array), "")
        elif self.loader.failed(key):
            self._put(None, "Media offline")
        else:
            # Keep the last picture up until this one is decoded (unless it was another source's).
            self.loader.request([key])
            self.shown_frame = None
            if force:
                self.display.set_image(None)

    def _put(self, image: QImage | None, caption: str) -> None:
        self.showing_preview = False
        self.display.set_image(image, caption)
        self.shown_frame = self.frame

    def _request_ahead(self) -> None:
        direction = -1 if self.clock.speed < 0 else 1
        speed = max(1, abs(self.clock.speed))
        keys: list[Key] = []
        for step in range(READ_AHEAD):
            frame = self.frame + direction * step * speed
            if not 0 <= frame < self.duration:
                break
            key = self._key(frame)
            if key is not None and key not in keys:
                keys.append(key)
        self.loader.request(keys)

    def _play_end(self, direction: int) -> int:
        """The last frame playback may reach going this way (out / in point if set)."""
        if direction > 0:
            if self.out_point is not None and self.frame <= self.out_point:
                return self.out_point
            return max(0, self.duration - 1)
        if self.in_point is not None and self.frame >= self.in_point:
            return self.in_point
        return 0

    # ------------------------------------------------------------- handlers

    def _on_timer_timeout(self) -> None:
        if not self.playing:
            self._timer.stop()
            return
        direction = 1 if self.clock.speed > 0 else -1
        end = self._play_end(direction)
        target = self.clock.frame()
        finished = target >= end if direction > 0 else target <= end
        if finished:
            target = end
        if target != self.frame:
            if self.shown_frame != self.frame:
                self.dropped_frames += 1
            self._go_to(target)
            self._request_ahead()
        if finished:
            self.pause()

    def _on_loader_frame_ready(self, media_id: str, frame: int) -> None:
        if self._key(self.frame) == (media_id, frame) and self.shown_frame != self.frame:
            self._show_current()

    def _on_project_cut_changed(self, *_: object) -> None:
        # The cut changed under the playhead: show what is there now.
        if self.showing_timeline:
            self.frame = self._clamp(self.frame)
            self._show_current()
            self.transport.refresh()


def _disconnect(project: Project, handler: object, loader: FrameLoader) -> None:
    events = project.events
    events.track_changed.disconnect(handler)
    events.track_added.disconnect(handler)
    events.track_removed.disconnect(handler)
    loader.shutdown()

"""Mouse work on the timeline: select, move clips (on the same or other tracks), trim either
edge, scrub the playhead on the ruler, with snapping.

While dragging, only the dragged items move on screen; the model changes once, on release,
through one undo step. Any model change during a drag (an undo, a finished job) cancels it.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from studio.core.edits import Command, Macro, MoveClip, TrimClip
from studio.core.model import MediaKind
from studio.ui.timeline.items import ClipItem, GapItem, TimelineItem, TrackItem
from studio.ui.timeline.snapping import Snap, edge_targets, snap
from studio.ui.timeline.style import EDGE_GRAB, RULER_HEIGHT, SNAP_DISTANCE

if TYPE_CHECKING:
    from studio.ui.timeline.view import TimelineView

log = logging.getLogger(__name__)


class Zone(str, Enum):
    BODY = "body"
    START = "start"
    END = "end"


class Mode(Enum):
    IDLE = 0
    PRESSED = 1  # on a clip, not yet dragged past the start distance
    MOVE = 2
    TRIM = 3
    SCRUB = 4


@dataclass
class _Drag:
    item: ClipItem
    zone: Zone
    press: QPointF
    start: int
    duration: int
    track: TrackItem
    targets: list[int]
    low: float = -math.inf  # trim limits for the delta, in frames
    high: float = math.inf
    delta: int = 0  # frames the dragged edge or the clips moved
    rows: int = 0  # tracks the clips moved up (-) or down (+) on screen
    # Moving: every clip that goes along (the selection), with where it started.
    group: list[tuple[ClipItem, int, TrackItem]] = field(default_factory=list)


class MouseController:
    def __init__(self, view: TimelineView) -> None:
        self.view = view
        self.mode = Mode.IDLE
        self.drag: _Drag | None = None

    # ------------------------------------------------------------- hit testing

    def hit(self, pos: QPointF) -> tuple[TimelineItem | None, Zone]:
        """The clip or gap under a viewport point, and which part of it."""
        for graphics_item in self.view.items(pos.toPoint()):
            if isinstance(graphics_item, TimelineItem):
                if isinstance(graphics_item, ClipItem):
                    return graphics_item, self._zone(graphics_item, pos.x())
                return graphics_item, Zone.BODY
        return None, Zone.BODY

    def _zone(self, item: ClipItem, x: float) -> Zone:
        left = self.view.frame_to_x(item.start)
        right = self.view.frame_to_x(item.end)
        grab = min(EDGE_GRAB, (right - left) / 3)
        if x - left <= grab:
            return Zone.START
        if right - x <= grab:
            return Zone.END
        return Zone.BODY

    # ------------------------------------------------------------- events

    def press(self, event: QMouseEvent) -> None:
        pos = event.position()
        view = self.view
        if pos.y() < RULER_HEIGHT and event.button() == Qt.MouseButton.LeftButton:
            self.mode = Mode.SCRUB
            view.set_playhead(round(view.x_to_frame(pos.x())))
            return
        item, zone = self.hit(pos)
        mods = event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        additive = ctrl or bool(mods & Qt.KeyboardModifier.ShiftModifier)
        selected = view.selected_ids()
        if item is None:
            if not additive:
                view.select([])
            return
        if event.button() == Qt.MouseButton.LeftButton and ctrl:
            # Ctrl toggles, as in file managers and every editor.
            if item.item_id in selected:
                view.select([i for i in selected if i != item.item_id])
            else:
                view.select(selected + [item.item_id])
        elif additive:
            view.select(selected + [item.item_id])
        elif item.item_id not in selected:
            view.select([item.item_id])
        if event.button() == Qt.MouseButton.LeftButton and isinstance(item, ClipItem):
            self.mode = Mode.PRESSED
            self.drag = _Drag(item, zone, pos, item.start, item.duration, item.track_item, [])

    def move(self, event: QMouseEvent) -> None:
        pos = event.position()
        view = self.view
        if self.mode is Mode.SCRUB:
            view.set_playhead(round(view.x_to_frame(pos.x())))
            return
        if self.mode is Mode.IDLE or self.drag is None:
            self._hover(pos)
            return
        drag = self.drag
        if self.mode is Mode.PRESSED:
            if (pos - drag.press).manhattanLength() < QApplication.startDragDistance():
                return
            self._begin(drag)
        frames = (pos.x() - drag.press.x()) / view.scale_x
        if self.mode is Mode.MOVE:
            self._drag_move(drag, frames, pos)
        else:
            self._drag_trim(drag, frames)

    def release(self, event: QMouseEvent) -> None:
        mode, drag = self.mode, self.drag
        self.mode, self.drag = Mode.IDLE, None
        self.view.snap_guide.hide()
        if drag is None or mode not in (Mode.MOVE, Mode.TRIM):
            return
        view = self.view
        command: Command
        if mode is Mode.MOVE:
            if drag.delta == 0 and drag.rows == 0:
                return
            command = self._move_command(drag)
        else:
            if drag.delta == 0:
                return
            edge = "start" if drag.zone is Zone.START else "end"
            command = TrimClip(drag.item.item_id, edge, drag.delta)
        if not view.push(command):
            self._restore(drag)

    def double_click(self, event: QMouseEvent) -> None:
        item, _ = self.hit(event.position())
        if isinstance(item, ClipItem):
            self.view.clip_activated.emit(item.item_id)

    def cancel(self) -> None:
        """Forget a drag because the items under it are being rebuilt."""
        self.mode, self.drag = Mode.IDLE, None
        self.view.snap_guide.hide()

    # ------------------------------------------------------------- dragging

    def _begin(self, drag: _Drag) -> None:
        view = self.view
        timeline = view.project.timeline
        if drag.zone is Zone.BODY:
            self.mode = Mode.MOVE
            chosen = set(view.selected_ids())
            if drag.item.item_id in chosen:
                drag.group = [(i, i.start, i.track_item) for i in view.clip_items()
                              if i.item_id in chosen]
            else:
                drag.group = [(drag.item, drag.start, drag.track)]
            moving = [item.item_id for item, _, _ in drag.group]
            drag.targets = edge_targets(timeline, view.playhead, exclude=moving)
            for item, _, _ in drag.group:
                item.setZValue(10)
            return
        drag.targets = edge_targets(timeline, view.playhead, exclude=[drag.item.item_id])
        self.mode = Mode.TRIM
        clip = drag.item.clip
        before, after = drag.track.neighbours(drag.item)
        source = clip.source_range
        media = view.project.media_item(clip.media_id)
        if drag.zone is Zone.START:
            # Grow only into empty frames and media that exists; keep at least one frame.
            room = before.duration if isinstance(before, GapItem) else 0
            drag.low = -min(source.start, room)
            drag.high = drag.duration - 1
        else:
            room = after.duration if isinstance(after, GapItem) else 0
            if after is None:
                room = math.inf  # the end of the track
            media_left = media.frames - source.end_exclusive
            if media.kind is MediaKind.IMAGE:
                media_left = math.inf  # a still lasts as long as asked
            drag.low = -(drag.duration - 1)
            drag.high = min(room, media_left)

    def _drag_move(self, drag: _Drag, frames: float, pos: QPointF) -> None:
        view = self.view
        earliest = min(start for _, start, _ in drag.group)
        delta = max(-earliest, round(frames))
        edges = [edge for item, start, _ in drag.group
                 for edge in (start + delta, start + delta + item.duration)]
        found = self._snap(edges, drag.targets)
        if found is not None and earliest + delta + found.shift >= 0:
            delta += found.shift
        else:
            found = None
        rows = view.rows()
        scene_y = view.mapToScene(pos.toPoint()).y()
        under = view.track_item_at_scene_y(scene_y) or view.nearest_track_item(scene_y)
        shift = rows.index(under) - rows.index(drag.track) if under in rows else 0
        # Every clip of the group must land on a track: stop at the top and bottom rows.
        used = [rows.index(track) for _, _, track in drag.group]
        shift = max(-min(used), min(len(rows) - 1 - max(used), shift))
        drag.delta, drag.rows = delta, shift
        for item, start, track in drag.group:
            target = rows[rows.index(track) + shift]
            if item.parentItem() is not target:
                item.setParentItem(target)
            item.setPos(start + delta, 0)
        self._show_guide(found)

    def _move_command(self, drag: _Drag) -> Command:
        """One MoveClip per clip, ordered so no clip lands on one that has yet to move."""
        rows = self.view.rows()
        down = 1 if drag.rows > 0 else -1
        later = 1 if drag.delta > 0 else -1
        order = sorted(drag.group,
                       key=lambda g: (-rows.index(g[2]) * down, -g[1] * later))
        commands: list[Command] = [
            MoveClip(item.item_id, rows[rows.index(track) + drag.rows].track.id,
                     start + drag.delta)
            for item, start, track in order
        ]
        return commands[0] if len(commands) == 1 else Macro("Move Clips", commands)

    def _drag_trim(self, drag: _Drag, frames: float) -> None:
        delta = round(frames)
        edge = drag.start if drag.zone is Zone.START else drag.start + drag.duration
        found = self._snap([edge + delta], drag.targets)
        if found is not None and drag.low <= delta + found.shift <= drag.high:
            delta += found.shift
        else:
            found = None
        delta = int(max(drag.low, min(drag.high, delta)))
        drag.delta = delta
        if drag.zone is Zone.START:
            drag.item.preview_span(drag.start + delta, drag.duration - delta)
        else:
            drag.item.preview_span(drag.start, drag.duration + delta)
        self._show_guide(found)

    def _snap(self, edges: list[int], targets: list[int]) -> Snap | None:
        if not self.view.snapping:
            return None
        return snap(edges, targets, SNAP_DISTANCE / self.view.scale_x)

    def _show_guide(self, found: Snap | None) -> None:
        guide = self.view.snap_guide
        if found is None:
            guide.hide()
            return
        height = self.view.sceneRect().height()
        guide.setLine(QLineF(found.target, RULER_HEIGHT, found.target, height))
        guide.show()

    def _restore(self, drag: _Drag) -> None:
        for track_item in self.view.rows():
            track_item.rebuild()
        self.view.reselect()

    def _hover(self, pos: QPointF) -> None:
        if pos.y() < RULER_HEIGHT:
            self.view.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            return
        item, zone = self.hit(pos)
        if isinstance(item, ClipItem) and zone is not Zone.BODY:
            self.view.viewport().setCursor(Qt.CursorShape.SizeHorCursor)
        else:
            self.view.viewport().setCursor(Qt.CursorShape.ArrowCursor)

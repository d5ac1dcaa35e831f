"""Right-click menus. Generative edits sit where an editor's hand already is: near a clip's end
"Extend forward…", near its start "Extend backward…", on a gap between clips "Fill gap…"."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from studio.core.edits import AddTrack, RemoveTrack
from studio.core.model import Track
from studio.ui.timeline.items import ClipItem, GapItem

if TYPE_CHECKING:
    from studio.ui.timeline.view import TimelineView

log = logging.getLogger(__name__)

# Shortcut text after a tab shows in the menu without registering a second shortcut: the
# view's key handling already does these.
EXTEND_FORWARD = "Extend forward…\tE"
EXTEND_BACKWARD = "Extend backward…\tShift+E"
FILL_GAP = "Fill gap…\tF"
SPLIT = "Split at playhead\tS"
DELETE = "Delete\tDel"
RIPPLE_DELETE = "Ripple delete\tShift+Del"
CLOSE_GAP = "Close gap\tShift+Del"


class TimelineMenus:
    def __init__(self, view: TimelineView) -> None:
        self.view = view

    def menu_at(self, pos: QPointF) -> QMenu:
        """The menu for a viewport point: the clip's, the gap's, or the track's."""
        view = self.view
        item, _ = view.mouse.hit(pos)
        if item is not None and item.item_id not in view.selected_ids():
            view.select([item.item_id])
        if isinstance(item, ClipItem):
            return self.clip_menu(item, near_end=self._near_end(item, pos.x()))
        if isinstance(item, GapItem):
            return self.gap_menu(item)
        scene_y = view.mapToScene(pos.toPoint()).y()
        track_item = view.track_item_at_scene_y(scene_y)
        return self.track_menu(track_item.track if track_item else None)

    def clip_menu(self, clip: ClipItem, near_end: bool) -> QMenu:
        view = self.view
        editing = view.editing
        menu = QMenu(view)
        menu.setObjectName("timeline_clip_menu")
        forward = self._action(menu, EXTEND_FORWARD, lambda: editing.extend(clip, "forward"))
        backward = self._action(menu, EXTEND_BACKWARD, lambda: editing.extend(clip, "backward"))
        # The end that was clicked comes first and is the default, so it is one click away.
        first, second = (forward, backward) if near_end else (backward, forward)
        menu.addAction(first)
        menu.addAction(second)
        menu.setDefaultAction(first)
        menu.addSeparator()
        split = self._action(menu, SPLIT, editing.split_at_playhead)
        split.setEnabled(clip.start < view.playhead < clip.end)
        menu.addAction(split)
        menu.addAction(self._action(menu, DELETE, lambda: editing.delete_selected(ripple=False)))
        ripple = self._action(menu, RIPPLE_DELETE, lambda: editing.delete_selected(ripple=True))
        menu.addAction(ripple)
        return menu

    def gap_menu(self, gap: GapItem) -> QMenu:
        view = self.view
        editing = view.editing
        menu = QMenu(view)
        menu.setObjectName("timeline_gap_menu")
        fill = self._action(menu, FILL_GAP, lambda: editing.fill_gap(gap))
        fill.setEnabled(editing.can_fill(gap))
        if not editing.can_fill(gap):
            fill.setToolTip("Only a gap with a clip on both sides can be filled.")
        menu.addAction(fill)
        menu.setDefaultAction(fill)
        menu.addSeparator()
        menu.addAction(self._action(menu, CLOSE_GAP, lambda: editing.delete_selected(ripple=True)))
        return menu

    def track_menu(self, track: Track | None) -> QMenu:
        view = self.view
        menu = QMenu(view)
        menu.setObjectName("timeline_track_menu")
        menu.addAction(self._action(menu, "Add track", lambda: view.push(AddTrack())))
        if track is not None:
            remove = self._action(menu, f"Delete track {track.name}",
                                  lambda: view.push(RemoveTrack(track.id)))
            remove.setEnabled(len(view.project.timeline.tracks) > 1)
            menu.addAction(remove)
        menu.addSeparator()
        snap = self._action(menu, "Snapping\tN", lambda: view.set_snapping(not view.snapping))
        snap.setCheckable(True)
        snap.setChecked(view.snapping)
        menu.addAction(snap)
        menu.addAction(self._action(menu, "Zoom to fit\t\\", view.zoom_to_fit))
        return menu

    def _near_end(self, clip: ClipItem, x: float) -> bool:
        middle = (self.view.frame_to_x(clip.start) + self.view.frame_to_x(clip.end)) / 2
        return x >= middle

    @staticmethod
    def _action(menu: QMenu, text: str, slot: object) -> QAction:
        action = QAction(text, menu)
        action.triggered.connect(lambda _checked=False: slot())
        return action

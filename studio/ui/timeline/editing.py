"""What the timeline's keys and menu entries do: each edit becomes commands on the undo stack,
several at once grouped into one `Macro` so one Undo takes them all back."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent

from studio.core.edits import CloseGap, Command, DeleteClip, Macro, SplitClip
from studio.ui.timeline.items import ClipItem, GapItem
from studio.ui.timeline.snapping import edge_targets

if TYPE_CHECKING:
    from studio.ui.timeline.view import TimelineView

log = logging.getLogger(__name__)

_Key = Qt.Key
_Mod = Qt.KeyboardModifier

# Keys the timeline owns while it has focus (matched without keypad / modifiers noise).
_KEYS = {
    _Key.Key_S, _Key.Key_Delete, _Key.Key_Backspace, _Key.Key_Plus, _Key.Key_Equal,
    _Key.Key_Minus, _Key.Key_Home, _Key.Key_End, _Key.Key_Left, _Key.Key_Right,
    _Key.Key_E, _Key.Key_F, _Key.Key_N, _Key.Key_Backslash, _Key.Key_Up, _Key.Key_Down,
}


class TimelineEditing:
    """The edits the timeline offers, for keys and menus alike."""

    def __init__(self, view: TimelineView) -> None:
        self.view = view

    # ------------------------------------------------------------- keys

    def handles(self, event: QKeyEvent) -> bool:
        mods = event.modifiers() & ~_Mod.KeypadModifier
        return event.key() in _KEYS and mods in (_Mod.NoModifier, _Mod.ShiftModifier)

    def key_pressed(self, event: QKeyEvent) -> bool:
        """Run the key's edit; False when the key is not the timeline's."""
        if not self.handles(event):
            return False
        key = event.key()
        shift = bool(event.modifiers() & _Mod.ShiftModifier)
        view = self.view
        if key == _Key.Key_S and not shift:
            self.split_at_playhead()
        elif key in (_Key.Key_Delete, _Key.Key_Backspace):
            self.delete_selected(ripple=shift)
        elif key in (_Key.Key_Plus, _Key.Key_Equal):
            view.zoom_in()
        elif key == _Key.Key_Minus:
            view.zoom_out()
        elif key == _Key.Key_Backslash:
            view.zoom_to_fit()
        elif key == _Key.Key_Home:
            view.set_playhead(0)
        elif key == _Key.Key_End:
            view.set_playhead(max(0, view.project.timeline.duration - 1))  # the last frame
        elif key in (_Key.Key_Left, _Key.Key_Right):
            step = max(1, round(view.project.rate)) if shift else 1  # Shift: a second
            view.set_playhead(view.playhead + (step if key == _Key.Key_Right else -step))
        elif key in (_Key.Key_Up, _Key.Key_Down):
            self.go_to_edit(forward=key == _Key.Key_Down)
        elif key == _Key.Key_E:
            self.extend_selected("backward" if shift else "forward")
        elif key == _Key.Key_F and not shift:
            self.fill_selected_gap()
        elif key == _Key.Key_N and not shift:
            view.set_snapping(not view.snapping)
        else:
            return False
        event.accept()
        return True

    # ------------------------------------------------------------- edits

    def go_to_edit(self, forward: bool) -> None:
        """Up / Down: the playhead to the previous / next cut on any track (Premiere's keys)."""
        view = self.view
        edits = edge_targets(view.project.timeline, view.playhead)
        if forward:
            view.set_playhead(next((e for e in edits if e > view.playhead), view.playhead))
        else:
            view.set_playhead(next((e for e in reversed(edits) if e < view.playhead), 0))

    def selected_clips(self) -> list[ClipItem]:
        chosen = set(self.view.selected_ids())
        return [item for item in self.view.clip_items() if item.item_id in chosen]

    def selected_gaps(self) -> list[GapItem]:
        chosen = set(self.view.selected_ids())
        return [item for item in self.view.gap_items() if item.item_id in chosen]

    def clips_under_playhead(self) -> list[ClipItem]:
        frame = self.view.playhead
        return [item for item in self.view.clip_items() if item.start < frame < item.end]

    def split_at_playhead(self) -> bool:
        """Split the selected clips under the playhead, or every clip there if none is."""
        frame = self.view.playhead
        under = self.clips_under_playhead()
        chosen = set(self.view.selected_ids())
        targets = [item for item in under if item.item_id in chosen] or under
        if not targets:
            return False
        commands: list[Command] = [SplitClip(item.item_id, frame) for item in targets]
        return self._push_all("Split Clip", commands)

    def delete_selected(self, ripple: bool) -> bool:
        """Delete the selected clips (leaving gaps, or closing them with `ripple`); a
        selected gap is closed either way, as editors do."""
        commands: list[Command] = [DeleteClip(item.item_id, ripple=ripple)
                                   for item in self.selected_clips()]
        commands += [CloseGap(item.item_id) for item in self.selected_gaps()]
        if not commands:
            return False
        done = self._push_all("Ripple Delete" if ripple else "Delete", commands)
        if done:
            self.view.select([])
        return done

    def can_fill(self, gap: GapItem) -> bool:
        return gap.fillable

    def fill_gap(self, gap: GapItem) -> bool:
        if not self.can_fill(gap):
            self.view.edit_refused.emit("Only a gap between two clips can be filled.")
            return False
        self.view.fill_gap_requested.emit(gap.track_item.track.id, gap.item_id)
        return True

    def fill_selected_gap(self) -> bool:
        gaps = self.selected_gaps()
        if not gaps:
            self.view.edit_refused.emit("Select a gap between two clips to fill it.")
            return False
        return self.fill_gap(gaps[0])

    def extend(self, clip: ClipItem, direction: str) -> None:
        self.view.extend_requested.emit(clip.item_id, direction)

    def extend_selected(self, direction: str) -> bool:
        clips = self.selected_clips()
        if not clips:
            self.view.edit_refused.emit("Select a clip to extend it.")
            return False
        self.extend(clips[0], direction)
        return True

    def _push_all(self, text: str, commands: list[Command]) -> bool:
        if len(commands) == 1:
            return self.view.push(commands[0])
        return self.view.push(Macro(text, commands))

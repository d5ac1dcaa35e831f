"""Every user edit is a command on an undo stack (see `undo.py`).

A command is made with plain arguments, then `UndoStack.push` applies it. Commands on shots
and media keep what they replaced and put it back, so undo gives back the same objects.
Track commands live in `track_edits.py` and are re-exported here, so callers import every
command from `studio.core.edits`.
"""

from __future__ import annotations

import copy
from dataclasses import fields, replace
from typing import Any

from studio.core.model import MediaItem, Mode, Project, Shot, ShotSettings, Take
from studio.core.track_edits import (
    AddTrack,
    CloseGap,
    DeleteClip,
    MoveClip,
    PlaceClip,
    RemoveTrack,
    SplitClip,
    TrimClip,
)
from studio.core.trackops import EditError
from studio.core.undo import Command, Macro, UndoStack

__all__ = [
    "AddMedia", "AddShot", "AddTake", "AddTrack", "CloseGap", "Command", "DeleteClip",
    "EditError", "EditShot", "Macro", "MoveClip", "MoveShot", "PlaceClip", "RemoveMedia",
    "RemoveShot", "RemoveTake", "RemoveTrack", "RenameShot", "SelectTake", "SplitClip",
    "TrimClip", "UndoStack",
]


# ---------------------------------------------------------------- shots


class AddShot(Command):
    text = "Add Shot"

    def __init__(self, shot: Shot, index: int | None = None) -> None:
        self.shot, self.index = shot, index

    def redo(self, project: Project) -> None:
        index = len(project.shots) if self.index is None else self.index
        self._at = max(0, min(index, len(project.shots)))
        project.shots.insert(self._at, self.shot)
        project.events.shot_added.emit(self.shot, self._at)

    def undo(self, project: Project) -> None:
        project.shots.remove(self.shot)
        project.events.shot_removed.emit(self.shot, self._at)


class RemoveShot(Command):
    text = "Delete Shot"

    def __init__(self, shot_id: str) -> None:
        self.shot_id = shot_id

    def redo(self, project: Project) -> None:
        self.shot = project.shot(self.shot_id)
        self._at = project.shots.index(self.shot)
        project.shots.pop(self._at)
        project.events.shot_removed.emit(self.shot, self._at)

    def undo(self, project: Project) -> None:
        project.shots.insert(self._at, self.shot)
        project.events.shot_added.emit(self.shot, self._at)


class MoveShot(Command):
    text = "Reorder Shots"

    def __init__(self, shot_id: str, index: int) -> None:
        self.shot_id, self.index = shot_id, index

    def redo(self, project: Project) -> None:
        shot = project.shot(self.shot_id)
        self._from = project.shots.index(shot)
        project.shots.pop(self._from)
        project.shots.insert(max(0, min(self.index, len(project.shots))), shot)
        project.events.shots_reordered.emit()

    def undo(self, project: Project) -> None:
        shot = project.shot(self.shot_id)
        project.shots.remove(shot)
        project.shots.insert(self._from, shot)
        project.events.shots_reordered.emit()


_SHOT_FIELDS = {"name", "prompt", "negative_prompt", "model", "mode", "references", "settings"}
_SETTINGS_FIELDS = {f.name for f in fields(ShotSettings)}


class EditShot(Command):
    """Change a shot's fields. `settings` may be a ShotSettings or a dict of changed fields."""

    text = "Edit Shot"

    def __init__(self, shot_id: str, **changes: Any) -> None:
        unknown = set(changes) - _SHOT_FIELDS
        if unknown:
            raise EditError(f"a shot has no field {min(unknown)!r} to edit")
        if isinstance(changes.get("settings"), dict):
            bad = set(changes["settings"]) - _SETTINGS_FIELDS
            if bad:
                raise EditError(f"shot settings have no field {min(bad)!r}")
        if "mode" in changes:
            changes["mode"] = Mode(changes["mode"])
        if "name" in changes and not str(changes["name"]).strip():
            raise EditError("a shot needs a name")
        self.shot_id, self.changes = shot_id, changes

    def redo(self, project: Project) -> None:
        shot = project.shot(self.shot_id)
        self._old = {name: copy.deepcopy(getattr(shot, name)) for name in self.changes}
        for name, value in self.changes.items():
            if name == "settings" and isinstance(value, dict):
                value = replace(shot.settings, **value)
            setattr(shot, name, copy.deepcopy(value))
        project.events.shot_changed.emit(shot)

    def undo(self, project: Project) -> None:
        shot = project.shot(self.shot_id)
        for name, value in self._old.items():
            setattr(shot, name, value)
        project.events.shot_changed.emit(shot)


class RenameShot(EditShot):
    text = "Rename Shot"

    def __init__(self, shot_id: str, name: str) -> None:
        super().__init__(shot_id, name=name)


class AddTake(Command):
    text = "Add Take"

    def __init__(self, shot_id: str, take: Take, select: bool = True) -> None:
        self.shot_id, self.take, self.select = shot_id, take, select

    def redo(self, project: Project) -> None:
        shot = project.shot(self.shot_id)
        project.media_item(self.take.media_id)  # a take must point at known media
        self._old_selection = shot.selected_take_id
        shot.takes.append(self.take)
        if self.select or shot.selected_take_id is None:
            shot.selected_take_id = self.take.id
        project.events.shot_changed.emit(shot)

    def undo(self, project: Project) -> None:
        shot = project.shot(self.shot_id)
        shot.takes.remove(self.take)
        shot.selected_take_id = self._old_selection
        project.events.shot_changed.emit(shot)


class RemoveTake(Command):
    text = "Delete Take"

    def __init__(self, shot_id: str, take_id: str) -> None:
        self.shot_id, self.take_id = shot_id, take_id

    def redo(self, project: Project) -> None:
        shot = project.shot(self.shot_id)
        self.take = shot.take(self.take_id)
        self._at, self._old_selection = shot.takes.index(self.take), shot.selected_take_id
        shot.takes.pop(self._at)
        if shot.selected_take_id == self.take_id:
            shot.selected_take_id = shot.takes[-1].id if shot.takes else None
        project.events.shot_changed.emit(shot)

    def undo(self, project: Project) -> None:
        shot = project.shot(self.shot_id)
        shot.takes.insert(self._at, self.take)
        shot.selected_take_id = self._old_selection
        project.events.shot_changed.emit(shot)


class SelectTake(Command):
    text = "Choose Take"

    def __init__(self, shot_id: str, take_id: str | None) -> None:
        self.shot_id, self.take_id = shot_id, take_id

    def redo(self, project: Project) -> None:
        shot = project.shot(self.shot_id)
        if self.take_id is not None:
            shot.take(self.take_id)
        self._old = shot.selected_take_id
        shot.selected_take_id = self.take_id
        project.events.shot_changed.emit(shot)

    def undo(self, project: Project) -> None:
        shot = project.shot(self.shot_id)
        shot.selected_take_id = self._old
        project.events.shot_changed.emit(shot)


# ---------------------------------------------------------------- media


class AddMedia(Command):
    text = "Import Media"

    def __init__(self, item: MediaItem) -> None:
        self.item = item

    def redo(self, project: Project) -> None:
        if any(m.id == self.item.id for m in project.media):
            raise EditError(f"media {self.item.name!r} is already in the project")
        project.media.append(self.item)
        project.events.media_added.emit(self.item)

    def undo(self, project: Project) -> None:
        project.media.remove(self.item)
        project.events.media_removed.emit(self.item)


class RemoveMedia(Command):
    text = "Remove Media"

    def __init__(self, media_id: str) -> None:
        self.media_id = media_id

    def redo(self, project: Project) -> None:
        item = project.media_item(self.media_id)
        users = [c.name for t in project.timeline.tracks for c in t.clips()
                 if c.media_id == self.media_id]
        users += [s.name for s in project.shots for t in s.takes if t.media_id == self.media_id]
        if users:
            raise EditError(f"media {item.name!r} is still used by {users[0]!r}")
        self.item, self._at = item, project.media.index(item)
        project.media.pop(self._at)
        project.events.media_removed.emit(item)

    def undo(self, project: Project) -> None:
        project.media.insert(self._at, self.item)
        project.events.media_added.emit(self.item)

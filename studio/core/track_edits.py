"""Timeline edits. Each keeps the affected tracks' item lists from before and after it ran,
so undo and redo put back exactly those lists (ids of split and gap pieces included)."""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import replace

from studio.core import trackops
from studio.core.model import Clip, Gap, Item, MediaKind, Project, Track
from studio.core.trackops import EditError
from studio.core.undo import Command


class TrackEdit(Command):
    """Base for edits that replace the items of one or more tracks."""

    def __init__(self) -> None:
        self._before: dict[str, list] = {}
        self._after: dict[str, list] | None = None

    @abstractmethod
    def compute(self, project: Project) -> dict[str, list]:
        """Return {track_id: new items} for every track this edit changes."""

    def redo(self, project: Project) -> None:
        if self._after is None:
            after = self.compute(project)  # may raise; nothing has changed yet
            self._before = {tid: list(project.timeline.track(tid).items) for tid in after}
            self._after = {tid: _keep_gap_ids(self._before[tid], items) for tid, items in after.items()}
        self._apply(project, self._after)

    def undo(self, project: Project) -> None:
        self._apply(project, self._before)

    @staticmethod
    def _apply(project: Project, lists: dict[str, list]) -> None:
        for track_id, items in lists.items():
            track = project.timeline.track(track_id)
            track.items[:] = items
            project.events.track_changed.emit(track)


def _keep_gap_ids(before: list[Item], after: list[Item]) -> list[Item]:
    """A gap spanning exactly the frames a gap spanned before the edit is that gap: it keeps
    its id, so a selected gap stays selected when an edit elsewhere on its track lays it out again."""
    spans: dict[tuple[int, int], str] = {}
    at = 0
    for item in before:
        if isinstance(item, Gap):
            spans[(at, item.duration)] = item.id
        at += item.duration
    out: list[Item] = []
    at = 0
    for item in after:
        if isinstance(item, Gap) and (at, item.duration) in spans:
            item = replace(item, id=spans[(at, item.duration)])
        out.append(item)
        at += item.duration
    return out


def _media_frames(project: Project, clip: Clip) -> int | None:
    """How long the clip's media is; None for a still, which lasts as long as asked."""
    try:
        media = project.media_item(clip.media_id)
    except KeyError:
        raise EditError(f"clip {clip.name!r} refers to media that is not in the project") from None
    return None if media.kind is MediaKind.IMAGE else media.frames


class PlaceClip(TrackEdit):
    """Put a clip on a track at a frame: overwrite what is there, or insert with `ripple`."""

    text = "Place Clip"

    def __init__(self, track_id: str, clip: Clip, at_frame: int, ripple: bool = False) -> None:
        super().__init__()
        self.track_id, self.clip, self.at_frame, self.ripple = track_id, clip, at_frame, ripple

    def compute(self, project: Project) -> dict[str, list]:
        frames = _media_frames(project, self.clip)
        if frames is not None and self.clip.source_range.end_exclusive > frames:
            raise EditError(
                f"clip {self.clip.name!r} asks for frames past the end of its media "
                f"({frames} frames)"
            )
        track = project.timeline.track(self.track_id)
        return {track.id: trackops.place(track.items, self.clip, self.at_frame,
                                         ripple=self.ripple)}


class MoveClip(TrackEdit):
    """Move a clip to a frame on the same or another track (overwriting what is there)."""

    text = "Move Clip"

    def __init__(self, clip_id: str, track_id: str, at_frame: int) -> None:
        super().__init__()
        self.clip_id, self.track_id, self.at_frame = clip_id, track_id, at_frame

    def compute(self, project: Project) -> dict[str, list]:
        source, clip = project.timeline.find_item(self.clip_id)
        if not isinstance(clip, Clip):
            raise EditError("only clips can be moved")
        lists = {source.id: trackops.remove(source.items, self.clip_id)}
        target = project.timeline.track(self.track_id)
        base = lists.get(target.id, target.items)
        lists[target.id] = trackops.place(base, clip, self.at_frame)
        return lists


class TrimClip(TrackEdit):
    """Move a clip's start or end edge by `delta` frames (positive is later)."""

    text = "Trim Clip"

    def __init__(self, clip_id: str, edge: str, delta: int) -> None:
        super().__init__()
        if edge not in ("start", "end"):
            raise EditError(f"a clip has a 'start' and an 'end' edge, not {edge!r}")
        self.clip_id, self.edge, self.delta = clip_id, edge, delta

    def compute(self, project: Project) -> dict[str, list]:
        track, clip = project.timeline.find_item(self.clip_id)
        if not isinstance(clip, Clip):
            raise EditError("only clips can be trimmed")
        frames = _media_frames(project, clip)
        return {track.id: trackops.trim(track.items, self.clip_id, self.edge, self.delta,
                                        frames)}


class SplitClip(TrackEdit):
    """Cut a clip in two at a timeline frame. `right_id` names the new right-hand clip."""

    text = "Split Clip"

    def __init__(self, clip_id: str, at_frame: int) -> None:
        super().__init__()
        self.clip_id, self.at_frame = clip_id, at_frame
        self.right_id: str | None = None

    def compute(self, project: Project) -> dict[str, list]:
        track, _ = project.timeline.find_item(self.clip_id)
        items, self.right_id = trackops.split(track.items, self.clip_id, self.at_frame)
        return {track.id: items}


class DeleteClip(TrackEdit):
    """Remove a clip, leaving a gap, or closing it up with `ripple`."""

    def __init__(self, clip_id: str, ripple: bool = False) -> None:
        super().__init__()
        self.clip_id, self.ripple = clip_id, ripple
        self.text = "Ripple Delete" if ripple else "Delete Clip"

    def compute(self, project: Project) -> dict[str, list]:
        track, _ = project.timeline.find_item(self.clip_id)
        return {track.id: trackops.remove(track.items, self.clip_id, ripple=self.ripple)}


class CloseGap(TrackEdit):
    """Ripple-delete a gap."""

    text = "Close Gap"

    def __init__(self, gap_id: str) -> None:
        super().__init__()
        self.gap_id = gap_id

    def compute(self, project: Project) -> dict[str, list]:
        track, _ = project.timeline.find_item(self.gap_id)
        return {track.id: trackops.close_gap(track.items, self.gap_id)}


def free_track_name(tracks: list[Track]) -> str:
    """The first V<n> no track is called."""
    taken = {t.name for t in tracks}
    return next(f"V{n}" for n in range(1, len(tracks) + 2) if f"V{n}" not in taken)


class AddTrack(Command):
    text = "Add Track"

    def __init__(
        self, name: str | None = None, index: int | None = None, track: Track | None = None
    ) -> None:
        """Adds `track` (an empty one named `name`, or the first free V<n>, when None) at
        `index` (the end when None). Passing the track lets a macro's later commands name it."""
        self.name, self.index = name, index
        self.track: Track | None = track

    def redo(self, project: Project) -> None:
        tracks = project.timeline.tracks
        if self.track is None:
            self.track = Track(self.name or free_track_name(tracks))
        self._at = len(tracks) if self.index is None else max(0, min(self.index, len(tracks)))
        tracks.insert(self._at, self.track)
        project.events.track_added.emit(self.track, self._at)

    def undo(self, project: Project) -> None:
        project.timeline.tracks.remove(self.track)
        project.events.track_removed.emit(self.track, self._at)


class RemoveTrack(Command):
    text = "Delete Track"

    def __init__(self, track_id: str) -> None:
        self.track_id = track_id

    def redo(self, project: Project) -> None:
        tracks = project.timeline.tracks
        self.track = project.timeline.track(self.track_id)
        if len(tracks) == 1:
            raise EditError("a timeline keeps at least one track")
        self._at = tracks.index(self.track)
        tracks.pop(self._at)
        project.events.track_removed.emit(self.track, self._at)

    def undo(self, project: Project) -> None:
        project.timeline.tracks.insert(self._at, self.track)
        project.events.track_added.emit(self.track, self._at)

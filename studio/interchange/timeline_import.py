"""A timeline from another suite (OTIO, FCP 7 XML, FCPXML, EDL) as new tracks of a project.

Each video track of the file becomes a new track, its clips placed where they were, gaps
left as gaps. Media is found by name where the timeline sits: the reference's relative path
from the timeline's folder, then the file name beside the timeline or in a folder next to it,
then the referenced absolute path. Found files come into the bundle through
`studio.media.import_media` (probed safely, stored once by content). A clip that was a
studio take (its `metadata["studio"]` names a shot and take of this project) stays linked
to that take. Everything is one undo step.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from studio.core.edits import AddMedia
from studio.core.errors import BadInput
from studio.core.model import Clip, FrameRange, MediaItem, Project, Track
from studio.core.timecode import rate_text
from studio.core.track_edits import AddTrack, PlaceClip
from studio.core.undo import Command, Macro, UndoStack
from studio.interchange.reading import read_timeline

log = logging.getLogger(__name__)

TIMELINE_SUFFIXES = (".otio", ".xml", ".fcpxml", ".edl")


def is_timeline_file(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in TIMELINE_SUFFIXES


def _url_path(url: str) -> Path | None:
    if not url:
        return None
    parsed = urlparse(url)
    if parsed.scheme in ("file", ""):
        return Path(unquote(parsed.path))
    if len(parsed.scheme) == 1:  # a Windows drive letter read as a scheme
        return Path(url)
    return None


def find_media(url: str, timeline_file: Path) -> Path | None:
    """The file a media reference means, looked for where the timeline sits."""
    folder = timeline_file.parent
    referenced = _url_path(url)
    if referenced is None:
        return None
    candidates = []
    if not referenced.is_absolute():
        candidates.append(folder / referenced)
    name = referenced.name
    candidates.append(folder / name)
    candidates.extend(sub / name for sub in sorted(folder.iterdir()) if sub.is_dir())
    if referenced.is_absolute():
        candidates.append(referenced)
    return next((c for c in candidates if c.is_file()), None)


class _Media:
    """Imports each distinct file once and remembers the item it became."""

    def __init__(self, project: Project, bundle_path: Path, timeline_file: Path) -> None:
        self.project, self.bundle_path, self.timeline_file = project, bundle_path, timeline_file
        self.by_path: dict[Path, MediaItem] = {}
        self.new: list[MediaItem] = []
        self.missing: list[str] = []

    def item_for(self, clip: otio.schema.Clip) -> MediaItem | None:
        reference = clip.media_reference
        url = getattr(reference, "target_url", "") or ""
        path = find_media(url, self.timeline_file)
        if path is None:
            self.missing.append(Path(unquote(urlparse(url).path)).name if url else clip.name)
            return None
        path = path.resolve()
        if path not in self.by_path:
            for existing in self.project.media:  # a file of this very bundle: no copy needed
                if (self.bundle_path / existing.path).resolve() == path:
                    self.by_path[path] = existing
                    return existing
            from studio.media import import_media  # probing runs a child process: load late

            item = import_media(self.project, self.bundle_path, path)
            known = any(m.id == item.id for m in self.project.media)
            if not known and all(m.id != item.id for m in self.new):
                self.new.append(item)
            self.by_path[path] = item
        return self.by_path[path]


def _take_link(project: Project, studio: dict) -> tuple[str | None, str | None]:
    shot_id, take_id = studio.get("shot_id"), studio.get("take_id")
    try:
        project.shot(shot_id).take(take_id)
    except KeyError:
        return None, None
    return shot_id, take_id


def import_timeline(
    project: Project,
    bundle_path: str | os.PathLike[str],
    path: str | os.PathLike[str],
    *,
    stack: UndoStack | None = None,
) -> list[Command]:
    """Add the timeline in `path` to `project` as new tracks; returns the commands applied.

    With `stack` the import is pushed as one undoable step; without, it is applied to the
    project directly. Raises BadInput when the file cannot be read, its rate is not the
    project's, or media it uses cannot be found beside it (nothing is changed then).
    """
    path = Path(path)
    timeline, rate = read_timeline(path, project.rate)
    if rate != project.rate:
        raise BadInput(
            f"{path.name} runs at {rate_text(rate)} fps and the project at "
            f"{rate_text(project.rate)} fps; conform one to the other first."
        )
    media = _Media(project, Path(bundle_path), path)
    taken = {t.name for t in project.timeline.tracks}
    tracks: list[tuple[AddTrack, list[PlaceClip]]] = []
    for index, otio_track in enumerate(timeline.video_tracks(), start=1):
        name = f"{path.stem} {otio_track.name or f'V{index}'}".strip()
        while name in taken:
            name += "'"
        taken.add(name)
        add = AddTrack(name)
        add.track = Track(name)  # made here so the clip placements can name it
        places = []
        for item in otio_track:
            if isinstance(item, otio.schema.Transition):
                log.info("%s: a transition in %s is imported as a cut", path.name, name)
                continue
            if not isinstance(item, otio.schema.Clip):
                continue
            media_item = media.item_for(item)
            if media_item is None:
                continue
            at = round(item.range_in_parent().start_time.value)
            source = item.source_range or item.available_range()
            start = round(source.start_time.value)
            available = getattr(item.media_reference, "available_range", None)
            if available is not None:
                # Source times count from the file's start timecode; ours from its first frame.
                start -= round(available.start_time.value)
            studio = item.metadata.get("studio", {})
            shot_id, take_id = _take_link(project, studio) if studio else (None, None)
            clip = Clip(
                name=item.name or media_item.name,
                media_id=media_item.id,
                source_range=FrameRange(max(start, 0), round(source.duration.value)),
                shot_id=shot_id,
                take_id=take_id,
            )
            places.append(PlaceClip(add.track.id, clip, at))
        tracks.append((add, places))
    if media.missing:
        names = ", ".join(sorted(set(media.missing)))
        raise BadInput(
            f"{path.name} uses media that is not beside it ({names}); put those files in "
            f"{path.parent} and import again."
        )
    if not tracks:
        raise BadInput(f"{path.name} has no video track to import.")
    commands: list[Command] = [AddMedia(item) for item in media.new]
    for add, places in tracks:
        commands.append(add)
        commands.extend(places)
    macro = Macro(f"Import {path.name}", commands)
    if stack is not None:
        stack.push(macro)
    else:
        macro.redo(project)
    log.info("imported %s: %d track(s), %d new media", path.name, len(tracks), len(media.new))
    return commands

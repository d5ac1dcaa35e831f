"""Collect media: every file the cut uses, copied or transcoded into a folder beside it.

With no media format the files are copied as they are; with one (prores / dnxhr / h264 /
png) each is transcoded whole, at the project rate and size, with start timecode 00:00:00:00,
so the clips' source ranges (frames from the file's start) stay true. MOV and MP4 files that
come out without a C2PA manifest are signed: a generated take as `created` with its recipe,
anything else as a render of its source.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studio.core.atomic import temp_path
from studio.core.codec import encode
from studio.core.errors import BadInput, StudioError
from studio.core.model import MediaItem, MediaKind, Project, Recipe
from studio.interchange.c2pa_sign import can_sign, sign_file
from studio.interchange.c2pa_verify import verify_file
from studio.interchange.encoders import open_writer, output_path, profile
from studio.interchange.render import used_media
from studio.interchange.sources import source_frames

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Collected:
    """Where a media item went: `path` relative to the timeline file's folder."""

    media_id: str
    path: str  # posix, relative; a folder for a PNG sequence
    frames: int
    sequence: bool = False


def media_folder(out: Path) -> Path:
    """The folder collected media goes into, beside the timeline file `out`."""
    return out.with_name(f"{out.stem}_media")


def _safe_stem(name: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "_", Path(name).stem).strip(" .") or "clip"
    return stem[:80]


def _recipe_for(project: Project, item: MediaItem) -> Recipe | None:
    for shot in project.shots:
        for take in shot.takes:
            if take.media_id == item.id:
                return take.recipe
    return None


def collect_media(
    project: Project,
    bundle_path: Path,
    out: Path,
    media_format: str | None = None,
    *,
    progress: Progress | None = None,
) -> dict[str, Collected]:
    """Copy or transcode the media the timeline uses; returns media id -> where it went."""
    items = used_media(project)
    folder = media_folder(out)
    folder.mkdir(parents=True, exist_ok=True)
    prof = profile(media_format) if media_format else None
    collected: dict[str, Collected] = {}
    used_names: set[str] = set()
    for index, item in enumerate(items):
        source = Path(bundle_path) / item.path
        if not source.exists():
            raise BadInput(f"The media file {item.path} is missing from the project; re-import it.")
        stem = _safe_stem(item.name)
        if stem.lower() in used_names:
            stem = f"{stem}_{index + 1}"
        used_names.add(stem.lower())
        if prof is None:
            target = folder / f"{stem}{source.suffix}"
            _copy(source, target)
            frames = item.frames
        else:
            target = output_path(prof, folder / stem)
            frames = _transcode(project, item, source, target, prof.key)
        if can_sign(target) and verify_file(target) is None:
            recipe = _recipe_for(project, item)
            if item.generated:
                sign_file(target, kind="generated", recipe=recipe)
            else:
                sign_file(target, kind="rendered", ingredients=[source])
        relative = target.relative_to(out.parent).as_posix()
        collected[item.id] = Collected(
            item.id, relative, frames, sequence=prof is not None and not prof.suffix
        )
        if progress is not None:
            progress(index + 1, len(items))
    log.info("collected %d media files into %s", len(collected), folder)
    return collected


def _copy(source: Path, target: Path) -> None:
    tmp = temp_path(target)
    try:
        shutil.copyfile(source, tmp)
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StudioError(
            f"Could not copy {source.name} to {target.parent} ({exc.strerror})."
        ) from None


def _needed_frames(project: Project, item: MediaItem) -> int:
    """The file's frames, or for a still, as many frames as its longest use needs."""
    ends = [
        clip.source_range.end_exclusive
        for track in project.timeline.tracks
        for clip in track.clips()
        if clip.media_id == item.id
    ]
    return max([item.frames, 1, *ends]) if item.kind == MediaKind.IMAGE else max(item.frames, 1)


def _transcode(project: Project, item: MediaItem, source: Path, target: Path, fmt: str) -> int:
    metadata = {}
    recipe = _recipe_for(project, item)
    if recipe is not None:
        metadata["studio"] = {"kind": "take", "media": item.name, "recipe": encode(recipe, Recipe)}
    still = item.kind == MediaKind.IMAGE
    count = _needed_frames(project, item)
    with open_writer(
        target, profile(fmt), project.rate, project.width, project.height, metadata=metadata
    ) as writer:
        for frame in source_frames(source, 0, count, still=still):
            writer.write(frame)
    return count

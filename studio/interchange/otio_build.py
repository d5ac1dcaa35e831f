"""The project's timeline as an OpenTimelineIO timeline, one object for one object.

Every exporter starts here, so a clip reads the same in every suite: named after its shot
and take, with its source range, its place (the items before it on its track), a marker
carrying the shot name, and the recipe that made it under `metadata["studio"]`. Gaps stay
gaps. Time is frames at the project rate; a clip's frames are its media's frames shown one
per timeline frame, which is also how collected media is written (at the project rate).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import quote

import opentimelineio as otio

from studio.core.codec import encode
from studio.core.model import Clip, Gap, MediaItem, Project, Recipe, Track
from studio.core.timecode import rate_text

log = logging.getLogger(__name__)

RT = otio.opentime.RationalTime
TR = otio.opentime.TimeRange

# A function that gives the URL a clip's media reference should point at.
MediaUrl = Callable[[MediaItem], str]


def otio_rate(rate: Fraction) -> float:
    return float(rate)


def frames_range(start: int, duration: int, rate: Fraction) -> otio.opentime.TimeRange:
    r = otio_rate(rate)
    return TR(RT(start, r), RT(duration, r))


def plain(value: Any) -> Any:
    """OTIO metadata (AnyDictionary / AnyVector) as plain dicts and lists, for JSON."""
    if hasattr(value, "items"):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or type(value).__name__ == "AnyVector":
        return [plain(v) for v in value]
    return value


def absolute_url(bundle_path: Path) -> MediaUrl:
    """Media referenced where it lives in the bundle, as absolute file URLs."""
    root = Path(bundle_path).resolve()
    return lambda item: (root / item.path).as_uri()


def relative_url(paths: dict[str, str]) -> MediaUrl:
    """Media referenced by a path relative to the timeline file (`paths`: media id -> path)."""
    return lambda item: quote(paths[item.id])


def take_label(project: Project, clip: Clip) -> tuple[str, int | None]:
    """(shot name, take number from 1) of a clip, or (clip name, None) for imported media."""
    if clip.shot_id is None:
        return clip.name, None
    try:
        shot = project.shot(clip.shot_id)
    except KeyError:
        return clip.name, None
    for number, take in enumerate(shot.takes, start=1):
        if take.id == clip.take_id:
            return shot.name, number
    return shot.name, None


def clip_display_name(project: Project, clip: Clip) -> str:
    """What an editing suite shows for the clip: "Shot name take 2"."""
    name, number = take_label(project, clip)
    return f"{name} take {number}" if number is not None else name


def clip_recipe(project: Project, clip: Clip) -> Recipe | None:
    if clip.shot_id is None or clip.take_id is None:
        return None
    try:
        return project.shot(clip.shot_id).take(clip.take_id).recipe
    except KeyError:
        return None


def studio_metadata(project: Project, clip: Clip) -> dict[str, Any]:
    """What travels in `metadata["studio"]`: ids to find the clip again and its recipe."""
    shot_name, take_number = take_label(project, clip)
    recipe = clip_recipe(project, clip)
    data: dict[str, Any] = {
        "clip_id": clip.id,
        "media_id": clip.media_id,
        "shot_id": clip.shot_id,
        "shot": shot_name if clip.shot_id else None,
        "take_id": clip.take_id,
        "take": take_number,
    }
    if recipe is not None:
        data["recipe"] = encode(recipe, Recipe)
    return data


def reel_names(project: Project) -> dict[str, str]:
    """A unique reel name (8 letters or digits, as CMX 3600 allows) for every media item."""
    names: dict[str, str] = {}
    used: set[str] = set()
    for index, item in enumerate(project.media, start=1):
        base = re.sub(r"[^A-Za-z0-9]", "", Path(item.name).stem).upper()[:8] or "REEL"
        reel = base
        if reel in used:
            reel = f"{base[:5]}{index:03d}"
        while reel in used:  # a clash even with the number: count on until free
            index += 1000
            reel = f"R{index % 10_000_000:07d}"
        used.add(reel)
        names[item.id] = reel
    return names


def project_to_otio(project: Project, media_url: MediaUrl) -> otio.schema.Timeline:
    """The project's timeline as an OTIO timeline (video tracks, bottom track first)."""
    rate = otio_rate(project.rate)
    timeline = otio.schema.Timeline(name=project.name)
    timeline.global_start_time = RT(0, rate)
    timeline.metadata["studio"] = {
        "project": project.name,
        "rate": rate_text(project.rate),
        "width": project.width,
        "height": project.height,
    }
    reels = reel_names(project)
    for track in project.timeline.tracks:
        if track.kind != "video":
            log.info("track %s is %s, not video: left out of the export", track.name, track.kind)
            continue
        timeline.tracks.append(_track(project, track, media_url, reels))
    return timeline


def _track(
    project: Project, track: Track, media_url: MediaUrl, reels: dict[str, str]
) -> otio.schema.Track:
    out = otio.schema.Track(name=track.name, kind=otio.schema.TrackKind.Video)
    out.metadata["studio"] = {"track_id": track.id}
    for item in track.items:
        if isinstance(item, Gap):
            gap = otio.schema.Gap(source_range=frames_range(0, item.duration, project.rate))
            out.append(gap)
        else:
            out.append(_clip(project, item, media_url, reels))
    return out


def _clip(
    project: Project, clip: Clip, media_url: MediaUrl, reels: dict[str, str]
) -> otio.schema.Clip:
    item = project.media_item(clip.media_id)
    reference = otio.schema.ExternalReference(
        target_url=media_url(item),
        available_range=frames_range(
            0, max(item.frames, clip.source_range.end_exclusive), project.rate
        ),
    )
    reference.name = item.name
    out = otio.schema.Clip(
        name=clip_display_name(project, clip),
        media_reference=reference,
        source_range=frames_range(clip.source_range.start, clip.duration, project.rate),
    )
    out.metadata["studio"] = studio_metadata(project, clip)
    out.metadata["cmx_3600"] = {"reel": reels[item.id]}
    if clip.shot_id is not None:
        shot_name, _ = take_label(project, clip)
        out.markers.append(
            otio.schema.Marker(
                name=shot_name,
                marked_range=frames_range(clip.source_range.start, 0, project.rate),
                color=otio.schema.MarkerColor.GREEN,
            )
        )
    return out

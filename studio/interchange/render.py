"""The whole cut as one file, frame-accurate: frame N of the render is frame N of the timeline.

The timeline is planned into runs first: for each timeline frame the topmost video track
with a clip there wins (as in every editor); gaps everywhere are black. Consecutive frames
of one clip form one run, decoded front to back from its media; a source at another size is
scaled to the project size by the encoder's scaler.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import BadInput
from studio.core.model import Clip, MediaItem, MediaKind, Project
from studio.core.timecode import rate_text
from studio.interchange.c2pa_sign import can_sign, sign_file
from studio.interchange.encoders import open_writer, profile
from studio.interchange.otio_build import studio_metadata
from studio.interchange.sources import source_frames

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (frames done, frames in all)


@dataclass(frozen=True)
class Run:
    """`count` timeline frames from `start`, showing `clip` from `source_start` (or black)."""

    start: int
    count: int
    clip: Clip | None = None
    source_start: int = 0


def plan_runs(project: Project) -> list[Run]:
    """The timeline cut into runs of frames that come from one place."""
    duration = project.timeline.duration
    # owner[n] = (clip, source frame) of the topmost clip at timeline frame n
    owner: list[tuple[Clip, int] | None] = [None] * duration
    for track in project.timeline.tracks:  # bottom first, so tracks above overwrite
        if track.kind != "video":
            continue
        position = 0
        for item in track.items:
            if isinstance(item, Clip):
                for offset in range(item.duration):
                    owner[position + offset] = (item, item.source_range.start + offset)
            position += item.duration
    runs: list[Run] = []
    for frame, entry in enumerate(owner):
        clip, source = entry if entry else (None, 0)
        if runs:
            last = runs[-1]
            follows = last.clip is clip and (
                clip is None or last.source_start + last.count == source
            )
            if follows:
                runs[-1] = Run(last.start, last.count + 1, clip, last.source_start)
                continue
        runs.append(Run(frame, 1, clip, source))
    return runs


def used_media(project: Project) -> list[MediaItem]:
    """Media items the timeline's video tracks show, in first-use order."""
    seen: dict[str, MediaItem] = {}
    for track in project.timeline.tracks:
        if track.kind == "video":
            for clip in track.clips():
                if clip.media_id not in seen:
                    seen[clip.media_id] = project.media_item(clip.media_id)
    return list(seen.values())


def render_timeline(
    project: Project,
    bundle_path: Path,
    out: Path,
    media_format: str = "prores",
    *,
    sign: bool = True,
    progress: Progress | None = None,
) -> Path:
    """Render the cut to `out` (a .mov / .mp4 file, or a folder for png); returns the path."""
    prof = profile(media_format)
    runs = plan_runs(project)
    total = sum(run.count for run in runs)
    if total == 0:
        raise BadInput("The timeline is empty; place clips on it before rendering.")
    bundle_path = Path(bundle_path)
    clips = list({run.clip.id: run.clip for run in runs if run.clip is not None}.values())
    metadata = {
        "studio": {
            "kind": "render",
            "project": project.name,
            "rate": rate_text(project.rate),
            "clips": [studio_metadata(project, clip) for clip in clips],
        }
    }
    done = 0
    with open_writer(
        out, prof, project.rate, project.width, project.height, metadata=metadata
    ) as writer:
        for run in runs:
            if run.clip is None:
                frames = (None for _ in range(run.count))
            else:
                item = project.media_item(run.clip.media_id)
                frames = source_frames(
                    bundle_path / item.path,
                    run.source_start,
                    run.count,
                    still=item.kind == MediaKind.IMAGE,
                )
            for frame in frames:
                writer.write(frame)
                done += 1
                if progress is not None:
                    progress(done, total)
    if sign and can_sign(out):
        sources = [bundle_path / item.path for item in used_media(project)]
        sign_file(out, kind="rendered", ingredients=sources)
    log.info("rendered %d frames of %s to %s", total, project.name, out)
    return Path(out)

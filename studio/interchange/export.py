"""Exports as one call each: a timeline file (with collected media, if asked) or a render.

`studio export` and the window's export dialog both come here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import opentimelineio as otio

from studio.core.errors import BadInput
from studio.core.model import Project
from studio.interchange.collect import Collected, collect_media
from studio.interchange.encoders import profile
from studio.interchange.formats import timeline_formats, write_timeline
from studio.interchange.otio_build import absolute_url, frames_range, project_to_otio, relative_url
from studio.interchange.render import render_timeline

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]

def export_timeline(
    project: Project,
    bundle_path: Path,
    fmt: str,
    out: Path,
    *,
    collect: bool = False,
    media_format: str | None = None,
    progress: Progress | None = None,
) -> list[Path]:
    """Write the timeline as `fmt` to `out`; returns every file written.

    `collect` copies the media beside the timeline file, or transcodes it when a
    `media_format` is given (which implies collecting); the timeline then points at those
    by relative path. Otherwise it points at the project's own files by absolute path.
    """
    formats = timeline_formats()
    if fmt not in formats:
        raise BadInput(f"{fmt!r} is not a timeline format; use one of {', '.join(formats)}.")
    out = Path(out)
    if media_format is not None:
        prof = profile(media_format)
        collect = True
        if not prof.suffix and not formats[fmt].image_sequences:
            raise BadInput(
                f"{formats[fmt].title} cannot point at PNG sequences; "
                "collect prores, dnxhr or h264 media for it instead."
            )
    if not out.parent.is_dir():
        raise BadInput(f"The folder {out.parent} does not exist; create it or choose another.")
    written: list[Path] = []
    if collect:
        collected = collect_media(project, bundle_path, out, media_format, progress=progress)
        timeline = project_to_otio(project, relative_url({k: v.path for k, v in collected.items()}))
        _use_sequences(timeline, collected, project)
        written.extend(out.parent / c.path for c in collected.values())
    else:
        timeline = project_to_otio(project, absolute_url(bundle_path))
    files = write_timeline(
        timeline, fmt, out, rate=project.rate, width=project.width, height=project.height
    )
    log.info("exported %s as %s to %s", project.name, fmt, ", ".join(map(str, files)))
    return files + written


def _use_sequences(
    timeline: otio.schema.Timeline, collected: dict[str, Collected], project: Project
) -> None:
    """Point clips whose media became a PNG sequence at the sequence's frames."""
    rate = float(project.rate)
    for clip in timeline.find_clips():
        entry = collected.get(clip.metadata.get("studio", {}).get("media_id", ""))
        if entry is None or not entry.sequence:
            continue
        name = entry.path.rsplit("/", 1)[-1]
        reference = otio.schema.ImageSequenceReference(
            target_url_base=quote(entry.path) + "/",
            name_prefix=f"{name}.",
            name_suffix=".png",
            start_frame=0,
            frame_step=1,
            rate=rate,
            frame_zero_padding=6,
            available_range=frames_range(0, entry.frames, project.rate),
        )
        reference.name = clip.media_reference.name
        clip.media_reference = reference


def export_render(
    project: Project,
    bundle_path: Path,
    out: Path,
    media_format: str = "prores",
    *,
    progress: Progress | None = None,
) -> list[Path]:
    """Render the whole cut to one file (or one PNG folder); returns [its path]."""
    out = Path(out)
    prof = profile(media_format)
    if prof.suffix and out.suffix.lower() != prof.suffix:
        wanted = f"{out.stem}{prof.suffix}"
        raise BadInput(f"A {prof.title} render is a {prof.suffix} file; name the output {wanted}.")
    if not out.parent.is_dir():
        raise BadInput(f"The folder {out.parent} does not exist; create it or choose another.")
    return [render_timeline(project, bundle_path, out, media_format, progress=progress)]

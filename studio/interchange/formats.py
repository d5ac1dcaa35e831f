"""Timeline files for each editing suite, written by the OpenTimelineIO adapters.

The adapters write the formats; this module knows their quirks and gives each what it
needs so the cut opens with every clip in its place:

- FCP 7 XML keeps only its own metadata, so the studio metadata rides in the clip's
  logging info (scene, take) and master comment (the recipe as JSON), and the sequence's
  frame size goes in through the adapter's metadata route.
- FCPXML goes through `fcpx.py`, which corrects the adapter's NTSC time arithmetic.
- CMX 3600 holds one video track, so each track gets its own EDL; reels come from
  `metadata["cmx_3600"]["reel"]`; the adapter leaves out the FCM line, which Avid reads to
  tell drop-frame from non-drop-frame timecode, so we add it under the title.
- AAF comes from the bundled `aaf_export` plugin, through the same registry.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from studio.core.atomic import write_atomic
from studio.core.errors import BadInput, StudioError
from studio.core.timecode import is_drop_frame_rate
from studio.interchange import fcpx
from studio.interchange.otio_build import plain

log = logging.getLogger(__name__)


Writer = Callable[..., list[Path]]  # (timeline, out, *, rate, width, height) -> files


@dataclass(frozen=True)
class TimelineFormat:
    """A timeline file format. Plugins contribute more under `exporters` (`module:attr`
    naming a TimelineFormat or a tuple of them)."""

    key: str
    suffix: str
    title: str
    suites: str
    write: Writer
    image_sequences: bool = True  # whether it can point at PNG sequences


def _write_otio(timeline, out: Path, **_: object) -> list[Path]:
    _write_text(out, otio.adapters.write_to_string(timeline, adapter_name="otio_json"))
    return [out]


def _write_fcp7(timeline, out: Path, *, width: int, height: int, **_: object) -> list[Path]:
    fcp7 = _for_fcp7(timeline, width, height)
    _write_text(out, otio.adapters.write_to_string(fcp7, adapter_name="fcp_xml"))
    return [out]


def _write_fcpx(timeline, out: Path, *, rate: Fraction, width: int, height: int,
                **_: object) -> list[Path]:
    _write_text(out, fcpx.write_string(_for_fcpx(timeline), rate, width, height))
    return [out]


def _write_edl(timeline, out: Path, *, rate: Fraction, **_: object) -> list[Path]:
    return _write_edls(timeline, out, rate)


BUILT_IN = (
    TimelineFormat("otio", ".otio", "OpenTimelineIO", "OpenTimelineIO tools, Resolve",
                   _write_otio),
    TimelineFormat("fcp7", ".xml", "FCP 7 XML", "Premiere Pro, DaVinci Resolve", _write_fcp7,
                   image_sequences=False),
    TimelineFormat("fcpx", ".fcpxml", "FCPXML", "Final Cut Pro", _write_fcpx,
                   image_sequences=False),
    TimelineFormat("edl", ".edl", "CMX 3600 EDL", "Avid Media Composer, Resolve", _write_edl),
)


def timeline_formats() -> dict[str, TimelineFormat]:
    """Every timeline format by key: the built-in ones, then those plugins contribute."""
    from studio.core.plugins import PluginRegistry
    from studio.core.settings import load_settings

    formats = {f.key: f for f in BUILT_IN}
    registry = PluginRegistry.discover(disabled=set(load_settings().disabled_plugins))
    for contribution in registry.contributions("exporters"):
        value = registry.load(contribution)
        offered = value if isinstance(value, (tuple, list)) else (value,)
        if value is None:
            continue
        if not all(isinstance(f, TimelineFormat) for f in offered):
            contribution.plugin.fail(f"{contribution.ref} is not a TimelineFormat")
            continue
        for fmt in offered:
            if fmt.key in formats or fmt.key.startswith("render"):
                contribution.plugin.fail(f"it offers a format {fmt.key!r} that exists")
                break
            formats[fmt.key] = fmt
    return formats


def write_timeline(
    timeline: otio.schema.Timeline,
    fmt: str,
    out: Path,
    *,
    rate: Fraction,
    width: int,
    height: int,
) -> list[Path]:
    """Write `timeline` as `fmt` to `out`; returns the files written (several for EDL)."""
    formats = timeline_formats()
    if fmt not in formats:
        raise BadInput(f"{fmt!r} is not a timeline format; use one of {', '.join(formats)}.")
    return formats[fmt].write(timeline, Path(out), rate=rate, width=width, height=height)


def _write_text(path: Path, text: str) -> None:
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as exc:
        raise StudioError(f"Could not write {path} ({exc.strerror}); check the folder.") from None


def studio_json(clip: otio.schema.Clip) -> str:
    return json.dumps(plain(clip.metadata.get("studio", {})), separators=(",", ":"), sort_keys=True)


def _for_fcp7(timeline: otio.schema.Timeline, width: int, height: int) -> otio.schema.Timeline:
    copy = timeline.deepcopy()
    # The adapter builds the sequence from this metadata first; without a frame size the
    # sequence's <format> is empty and Premiere falls back to its default sequence size.
    picture = {"width": str(width), "height": str(height), "anamorphic": "FALSE",
               "pixelaspectratio": "square", "fielddominance": "none"}
    copy.metadata["fcp_xml"] = {"media": {"video": {"format": {"samplecharacteristics": picture}}}}
    for clip in copy.find_clips():
        studio = clip.metadata.get("studio", {})
        logging_info = {}
        if studio.get("shot"):
            logging_info["scene"] = str(studio["shot"])
        if studio.get("take") is not None:
            logging_info["shottake"] = str(studio["take"])
        fcp = {"comments": {"mastercomment1": studio_json(clip)}}
        if logging_info:
            fcp["logginginfo"] = logging_info
        clip.metadata["fcp_xml"] = fcp
    return copy


def _for_fcpx(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    copy = timeline.deepcopy()
    for clip in copy.find_clips():
        clip.media_reference.metadata["fcpx"] = {"note": studio_json(clip)}
    return copy


def edl_paths(out: Path, track_names: list[str]) -> list[Path]:
    """One EDL per video track: `out` itself for one track, `out_<track>.edl` for several."""
    if len(track_names) == 1:
        return [out]
    safe = [
        "".join(c if c.isalnum() else "_" for c in name) or f"V{i}"
        for i, name in enumerate(track_names, start=1)
    ]
    return [out.with_name(f"{out.stem}_{name}{out.suffix or '.edl'}") for name in safe]


def _write_edls(timeline: otio.schema.Timeline, out: Path, rate: Fraction) -> list[Path]:
    tracks = list(timeline.video_tracks())
    if not tracks:
        raise BadInput("The timeline has no video track to write as an EDL.")
    paths = edl_paths(out, [t.name for t in tracks])
    fcm = "FCM: DROP FRAME" if is_drop_frame_rate(rate) else "FCM: NON-DROP FRAME"
    for track, path in zip(tracks, paths):
        single = otio.schema.Timeline(name=f"{timeline.name} {track.name}".strip())
        single.global_start_time = timeline.global_start_time
        single.tracks.append(track.deepcopy())
        if not any(isinstance(item, otio.schema.Clip) for item in single.tracks[0]):
            log.info("track %s has no clips; its EDL lists no events", track.name)
        text = otio.adapters.write_to_string(single, adapter_name="cmx_3600", rate=float(rate))
        title, _, rest = text.partition("\n")
        _write_text(path, f"{title}\n{fcm}\n{rest}")
    return paths

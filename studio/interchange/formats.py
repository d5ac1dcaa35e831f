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
- AAF needs a mob id per source; each clip gets its own, so clips of the same file keep
  their own names (the adapter names a clip after its master mob).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import aaf2
import opentimelineio as otio

from studio.core.atomic import temp_path, write_atomic
from studio.core.errors import BadInput, StudioError
from studio.core.timecode import is_drop_frame_rate
from studio.interchange import fcpx
from studio.interchange.otio_build import plain

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TimelineFormat:
    key: str
    suffix: str
    adapter: str
    title: str
    suites: str


TIMELINE_FORMATS: dict[str, TimelineFormat] = {
    f.key: f
    for f in (
        TimelineFormat(
            "otio", ".otio", "otio_json", "OpenTimelineIO", "OpenTimelineIO tools, Resolve"
        ),
        TimelineFormat("fcp7", ".xml", "fcp_xml", "FCP 7 XML", "Premiere Pro, DaVinci Resolve"),
        TimelineFormat("fcpx", ".fcpxml", "fcpx_xml", "FCPXML", "Final Cut Pro"),
        TimelineFormat("edl", ".edl", "cmx_3600", "CMX 3600 EDL", "Avid Media Composer, Resolve"),
        TimelineFormat("aaf", ".aaf", "AAF", "AAF", "Avid Media Composer"),
    )
}


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
    if fmt not in TIMELINE_FORMATS:
        known = ", ".join(TIMELINE_FORMATS)
        raise BadInput(f"{fmt!r} is not a timeline format; use one of {known}.")
    out = Path(out)
    if fmt == "otio":
        _write_text(out, otio.adapters.write_to_string(timeline, adapter_name="otio_json"))
    elif fmt == "fcp7":
        fcp7 = _for_fcp7(timeline, width, height)
        _write_text(out, otio.adapters.write_to_string(fcp7, adapter_name="fcp_xml"))
    elif fmt == "fcpx":
        _write_text(out, fcpx.write_string(_for_fcpx(timeline), rate, width, height))
    elif fmt == "edl":
        return _write_edls(timeline, out, rate)
    else:
        _write_aaf(timeline, out)
    return [out]


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


def _write_aaf(timeline: otio.schema.Timeline, out: Path) -> None:
    copy = timeline.deepcopy()
    for clip in copy.find_clips():
        clip.metadata["AAF"] = {"SourceID": str(aaf2.mobid.MobID.new())}
    # pyaaf2 writes in place and leaves a broken file on failure: write beside, then rename.
    tmp = temp_path(out).with_suffix(".aaf")
    try:
        otio.adapters.write_to_file(copy, str(tmp), adapter_name="AAF")
        os.replace(tmp, out)
    except OSError as exc:
        raise StudioError(f"Could not write {out} ({exc.strerror}); check the folder.") from None
    finally:
        if tmp.exists():
            tmp.unlink()

"""Timeline files read back into OpenTimelineIO, by the same adapters that write them.

The studio metadata comes back to `metadata["studio"]` from wherever the format carried it
(FCP 7 master comment, FCPXML note), so an exported cut imports as the same clips. EDLs
carry no frame rate of their own: the caller gives the rate the EDL was cut at.
"""

from __future__ import annotations

import json
import logging
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from studio.core.errors import BadInput
from studio.core.timecode import NAMED_RATES, from_timecode, to_timecode
from studio.interchange import fcpx

log = logging.getLogger(__name__)

ADAPTER_BY_SUFFIX = {
    ".otio": "otio_json",
    ".xml": "fcp_xml",
    ".fcpxml": "fcpx_xml",
    ".edl": "cmx_3600",
    ".aaf": "AAF",
}


def exact_rate(rate: float) -> Fraction:
    """OTIO's float rate as the exact rate an editor means (29.97002997 -> 30000/1001)."""
    for exact in NAMED_RATES.values():
        if abs(float(exact) - rate) < 0.0015:
            return exact
    return Fraction(rate).limit_denominator(1001)


def timeline_rate(timeline: otio.schema.Timeline) -> Fraction | None:
    for item in timeline.find_children():
        if getattr(item, "source_range", None) is not None:
            return exact_rate(item.source_range.duration.rate)
    if timeline.global_start_time is not None:
        return exact_rate(timeline.global_start_time.rate)
    return None


def read_timeline(
    path: Path, rate: Fraction | None = None
) -> tuple[otio.schema.Timeline, Fraction]:
    """(timeline, its frame rate) from an .otio / .xml / .fcpxml / .edl / .aaf file.

    `rate` is needed for EDLs, and is the fallback for a timeline with nothing timed in it.
    """
    path = Path(path)
    adapter = ADAPTER_BY_SUFFIX.get(path.suffix.lower())
    if adapter is None:
        known = ", ".join(ADAPTER_BY_SUFFIX)
        raise BadInput(f"{path.name} is not a timeline file this studio reads ({known}).")
    try:
        text = path.read_text(encoding="utf-8") if adapter != "AAF" else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"Could not read {path.name} as a timeline file ({exc}).") from None
    try:
        if adapter == "fcpx_xml":
            timeline, found = fcpx.read_string(text)
        else:
            if adapter == "cmx_3600":
                if rate is None:
                    raise BadInput(f"{path.name} is an EDL, which names no frame rate; give one.")
                result = otio.adapters.read_from_string(
                    text, adapter_name=adapter, rate=float(rate)
                )
                _edl_program_start(_first_timeline(result, path), rate)
            elif adapter == "AAF":
                result = otio.adapters.read_from_file(str(path), adapter_name=adapter)
            else:
                result = otio.adapters.read_from_string(text, adapter_name=adapter)
            timeline = _first_timeline(result, path)
            found = timeline_rate(timeline) or rate
    except BadInput:
        raise
    except Exception as exc:  # adapters raise anything from KeyError to ParseError on bad files
        log.info("reading %s failed", path, exc_info=True)
        raise BadInput(f"{path.name} could not be read as a timeline ({exc}).") from None
    if found is None:
        raise BadInput(f"{path.name} holds no timed items, so its frame rate is unknown.")
    _restore_studio_metadata(timeline)
    return timeline, found


def _edl_program_start(timeline: otio.schema.Timeline, rate: Fraction) -> None:
    """Make an EDL track start at its program's start, not at its first event.

    The adapter starts each track at its first record-in (keeping that in the track's
    source range). A program starts on the hour (00:00:00:00, or 01:00:00:00 by custom), so
    the time from that hour to the first event is a gap at the head of the track.
    """
    for track in timeline.video_tracks():
        if track.source_range is None:
            continue
        first_in = round(-track.source_range.start_time.value)
        track.source_range = None
        text = to_timecode(first_in, rate)
        hour = from_timecode(f"{text[:2]}:00:00{text[8]}00", rate)
        lead = first_in - hour
        if lead > 0:
            r = float(rate)
            gap = otio.schema.Gap(
                source_range=otio.opentime.TimeRange(
                    otio.opentime.RationalTime(0, r), otio.opentime.RationalTime(lead, r)
                )
            )
            track.insert(0, gap)


def _first_timeline(result: object, path: Path) -> otio.schema.Timeline:
    if isinstance(result, otio.schema.Timeline):
        return result
    if isinstance(result, otio.schema.SerializableCollection):
        for child in result:
            if isinstance(child, otio.schema.Timeline):
                return child
    raise BadInput(f"{path.name} holds no timeline.")


def _restore_studio_metadata(timeline: otio.schema.Timeline) -> None:
    for clip in timeline.find_clips():
        if "studio" in clip.metadata:
            continue
        carried = _carried_json(clip)
        if carried is None:
            continue
        try:
            data = json.loads(carried)
        except ValueError:
            continue  # a comment someone typed by hand: not ours
        if isinstance(data, dict) and "clip_id" in data:
            clip.metadata["studio"] = data


def _carried_json(clip: otio.schema.Clip) -> str | None:
    fcp = clip.metadata.get("fcp_xml", {})
    comments = fcp.get("comments") if hasattr(fcp, "get") else None
    if hasattr(comments, "get") and comments.get("mastercomment1"):
        return str(comments.get("mastercomment1"))
    for holder in (clip.metadata, getattr(clip.media_reference, "metadata", {})):
        fcpx_meta = holder.get("fcpx", {})
        if hasattr(fcpx_meta, "get") and fcpx_meta.get("note"):
            return str(fcpx_meta.get("note"))
        if holder.get("note"):
            return str(holder.get("note"))
    return None

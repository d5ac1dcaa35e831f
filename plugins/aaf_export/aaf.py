"""The AAF timeline format (Avid Media Composer).

OpenTimelineIO's AAF adapter writes the tracks and clips but drops markers, so they are added
to the written file afterwards, the way Media Composer stores them: each video track slot gets
its physical track number, and an event slot with the same number holds one DescriptiveMarker
per clip marker, at its timeline frame, pointing at that track's slot.
"""

from __future__ import annotations

import os
from pathlib import Path

import aaf2
import opentimelineio as otio

from studio.core.atomic import temp_path
from studio.core.errors import StudioError
from studio.interchange.formats import TimelineFormat

# Marker colours as 16-bit RGB, for the OTIO colours the studio uses (others are written red).
_COLOURS = {
    otio.schema.MarkerColor.GREEN: (0, 65535, 0),
    otio.schema.MarkerColor.BLUE: (0, 0, 65535),
    otio.schema.MarkerColor.RED: (65535, 0, 0),
}


def write_aaf(timeline: otio.schema.Timeline, out: Path, **_: object) -> list[Path]:
    copy = timeline.deepcopy()
    # The adapter names a clip after its master mob: a mob id per clip keeps clips of the
    # same file under their own names.
    for clip in copy.find_clips():
        clip.metadata["AAF"] = {"SourceID": str(aaf2.mobid.MobID.new())}
    # pyaaf2 writes in place and leaves a broken file on failure: write beside, then rename.
    tmp = temp_path(out).with_suffix(".aaf")
    try:
        otio.adapters.write_to_file(copy, str(tmp), adapter_name="AAF")
        _add_markers(tmp, timeline)
        os.replace(tmp, out)
    except OSError as exc:
        raise StudioError(f"Could not write {out} ({exc.strerror}); check the folder.") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return [out]


def _track_markers(track: otio.schema.Track) -> list[tuple[int, otio.schema.Marker]]:
    """(timeline frame, marker) for every marker on the track's clips."""
    found = []
    for clip in track.find_clips():
        place = clip.range_in_parent().start_time
        for marker in clip.markers:
            at = place + (marker.marked_range.start_time - clip.source_range.start_time)
            found.append((round(at.value), marker))
    return found


def _add_markers(path: Path, timeline: otio.schema.Timeline) -> None:
    tracks = timeline.video_tracks()
    per_track = [_track_markers(t) for t in tracks]
    if not any(per_track):
        return
    with aaf2.open(str(path), "rw") as f:
        composition = next(f.content.toplevel())
        picture = [
            s
            for s in composition.slots
            if isinstance(s, aaf2.mobslots.TimelineMobSlot) and s.segment.media_kind == "Picture"
        ]
        if len(picture) != len(tracks):
            raise StudioError(
                f"the AAF writer made {len(picture)} picture tracks for {len(tracks)}; "
                "markers cannot be placed"
            )
        next_id = max(s.slot_id for s in composition.slots) + 1
        for number, (slot, markers) in enumerate(zip(picture, per_track), start=1):
            slot["PhysicalTrackNumber"].value = number
            if not markers:
                continue
            events = f.create.EventMobSlot()
            events["SlotID"].value = next_id
            events["EditRate"].value = slot.edit_rate
            events["PhysicalTrackNumber"].value = number
            next_id += 1
            sequence = f.create.Sequence(media_kind="DescriptiveMetadata")
            for frame, marker in markers:
                item = f.create.DescriptiveMarker()
                item["Position"].value = frame
                item["Length"].value = 1
                item["Comment"].value = marker.name
                item["DescribedSlots"].value = {slot.slot_id}
                red, green, blue = _COLOURS.get(marker.color, _COLOURS[otio.schema.MarkerColor.RED])
                item["CommentMarkerColor"].value = {"red": red, "green": green, "blue": blue}
                sequence.components.append(item)
            events.segment = sequence
            composition.slots.append(events)


# AAF points at source files only, not at image sequences.
AAF = TimelineFormat("aaf", ".aaf", "AAF", "Avid Media Composer", write_aaf,
                     image_sequences=False)

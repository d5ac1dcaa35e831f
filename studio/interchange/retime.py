"""Re-stamping every time in an OTIO timeline with another rate, frame values unchanged.

The FCPXML adapter looks frame rates up in a table keyed by 23.98 / 29.97 / 59.94 and reads
times back through `int(seconds * rate)`, which truncates (29 frames at 25 fps read as 28)
and turns 23.976 into 23. Working around it means handing the adapter frame counts at a
rate it can take and putting the true rate back afterwards; this module does the re-stamp.
"""

from __future__ import annotations

import logging

import opentimelineio as otio

log = logging.getLogger(__name__)

RT = otio.opentime.RationalTime
TR = otio.opentime.TimeRange


def _time(t: otio.opentime.RationalTime, rate: float, whole: bool) -> otio.opentime.RationalTime:
    value = round(t.value) if whole else t.value
    return RT(value, rate)


def _range(r: otio.opentime.TimeRange, rate: float, whole: bool) -> otio.opentime.TimeRange:
    return TR(_time(r.start_time, rate, whole), _time(r.duration, rate, whole))


def restamp(timeline: otio.schema.Timeline, rate: float, *, whole: bool = False) -> None:
    """Give every time in `timeline` the rate `rate`, keeping its value (in place).

    `whole` rounds each value to a whole frame, for times read back from a file whose own
    arithmetic left them a hair off.
    """
    if timeline.global_start_time is not None:
        timeline.global_start_time = _time(timeline.global_start_time, rate, whole)
    objects = [timeline.tracks, *timeline.find_children()]
    for obj in objects:
        if isinstance(obj, otio.schema.Transition):
            obj.in_offset = _time(obj.in_offset, rate, whole)
            obj.out_offset = _time(obj.out_offset, rate, whole)
            continue
        if getattr(obj, "source_range", None) is not None:
            obj.source_range = _range(obj.source_range, rate, whole)
        for marker in getattr(obj, "markers", []):
            marker.marked_range = _range(marker.marked_range, rate, whole)
        reference = getattr(obj, "media_reference", None)
        if reference is not None and reference.available_range is not None:
            reference.available_range = _range(reference.available_range, rate, whole)

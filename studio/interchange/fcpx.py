"""FCPXML through the `otio-fcpx-xml-adapter`, with its known faults worked around.

The adapter writes the document; this module only corrects what it gets wrong:

- Writing: it knows NTSC rates only by the names 23.98 / 29.97 / 59.94, writes times as
  `Fraction(frames / rate).limit_denominator()` (not a whole number of NTSC frames), and
  places connected clips with the rate truncated to an integer. We let it write at 25 fps,
  where all of that is exact, then turn every time back into frames and write it as
  `frames * frameDuration` at the true rate, and give the format element the picture size
  Final Cut needs.
- Reading: it truncates `seconds * rate` (29 frames at 25 fps read as 28) and reads NTSC as
  an integer rate. We hand it a copy counted in whole frames at one frame per second, which
  its arithmetic cannot get wrong, then re-stamp the result with the true rate.
"""

from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from fractions import Fraction

import opentimelineio as otio

from studio.core.errors import BadInput
from studio.interchange.retime import restamp

log = logging.getLogger(__name__)

HEADER = '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n\n'
TIME_ATTRIBUTES = ("offset", "duration", "start", "tcStart")
# A rate in the adapter's table at which its float arithmetic is exact for whole frames.
WORKING_RATE = 25


def _seconds(text: str) -> Fraction:
    return Fraction(text.rstrip("s") or "0")


def _text(seconds: Fraction) -> str:
    if seconds == 0:
        return "0s"
    if seconds.denominator == 1:
        return f"{seconds.numerator}s"
    return f"{seconds.numerator}/{seconds.denominator}s"


def write_string(timeline: otio.schema.Timeline, rate: Fraction, width: int, height: int) -> str:
    """FCPXML text for `timeline` (times at `rate`), snapped to whole frames."""
    copy = timeline.deepcopy()
    restamp(copy, float(WORKING_RATE))
    text = otio.adapters.write_to_string(copy, adapter_name="fcpx_xml")
    root = ET.fromstring(text)
    frame = 1 / rate
    for element in root.iter():
        if element.tag == "format":
            element.set("frameDuration", _text(frame))
            element.set("width", str(width))
            element.set("height", str(height))
            continue
        for name in TIME_ATTRIBUTES:
            value = element.get(name)
            if value is None or (element.tag == "gap" and name == "start"):
                continue  # a gap's start is FCP's fixed 3600s origin, not a frame count
            frames = round(_seconds(value) * WORKING_RATE)
            element.set(name, _text(frames * frame))
    ET.indent(root, space="    ")
    return HEADER + ET.tostring(root, encoding="unicode") + "\n"


def _sequence_rate(root: ET.Element) -> Fraction:
    formats = {f.get("id"): f for f in root.iter("format")}
    sequence = root.find(".//sequence")
    fmt = formats.get(sequence.get("format")) if sequence is not None else None
    if fmt is None and formats:
        fmt = next(iter(formats.values()))
    if fmt is None or not fmt.get("frameDuration"):
        raise BadInput("The FCPXML file names no frame rate (no format with a frameDuration).")
    return 1 / _seconds(fmt.get("frameDuration"))


def read_string(text: str) -> tuple[otio.schema.Timeline, Fraction]:
    """An FCPXML document as an OTIO timeline at its sequence's rate, and that rate."""
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise BadInput(f"The FCPXML file is not valid XML ({exc}).") from None
    rate = _sequence_rate(root)
    for element in root.iter():
        if element.tag == "format":
            element.set("frameDuration", "1/1s")
            continue
        for name in TIME_ATTRIBUTES:
            value = element.get(name)
            if value is not None:
                element.set(name, f"{round(_seconds(value) * rate)}s")
    counted = HEADER + ET.tostring(root, encoding="unicode")
    timeline = otio.adapters.read_from_string(counted, adapter_name="fcpx_xml")
    if isinstance(timeline, otio.schema.SerializableCollection):
        timeline = next((t for t in timeline if isinstance(t, otio.schema.Timeline)), None)
    if timeline is None:
        raise BadInput("The FCPXML file holds no project timeline to import.")
    restamp(timeline, float(rate), whole=True)
    return timeline, rate

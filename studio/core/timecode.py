"""Frame rates and timecode text. Rates are exact fractions; the text comes from OTIO."""

from __future__ import annotations

from fractions import Fraction

import opentimelineio.opentime as otime

# The rates editors use, by the names people type.
NAMED_RATES = {
    "23.976": Fraction(24000, 1001),
    "24": Fraction(24),
    "25": Fraction(25),
    "29.97": Fraction(30000, 1001),
    "30": Fraction(30),
    "47.952": Fraction(48000, 1001),
    "48": Fraction(48),
    "50": Fraction(50),
    "59.94": Fraction(60000, 1001),
    "60": Fraction(60),
}


def parse_rate(text: str | float | Fraction) -> Fraction:
    """'23.976', '24000/1001', 24 or Fraction(24) -> an exact rate."""
    if isinstance(text, Fraction):
        rate = text
    elif isinstance(text, int):
        rate = Fraction(text)
    else:
        key = str(text).strip()
        if key in NAMED_RATES:
            rate = NAMED_RATES[key]
        else:
            try:
                rate = Fraction(key)
            except (ValueError, ZeroDivisionError):
                raise ValueError(f"{text!r} is not a frame rate (try 24, 25 or 24000/1001)") from None
            # 29.97 typed with more digits is still NTSC.
            for exact in NAMED_RATES.values():
                if exact.denominator == 1001 and abs(float(rate) - float(exact)) < 0.005:
                    rate = exact
    if rate <= 0:
        raise ValueError(f"a frame rate must be positive, not {text!r}")
    return rate


def rate_text(rate: Fraction) -> str:
    """Fraction(24000, 1001) -> '24000/1001'; Fraction(24) -> '24'."""
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def rate_mismatch(media_rate: Fraction, project_rate: Fraction) -> str | None:
    """What a user must know about footage at another rate than the project's, or None.

    The timeline shows one source frame per timeline frame (clips are not retimed), so such
    footage plays faster or slower than it was shot."""
    if media_rate == project_rate:
        return None
    speed = float(project_rate / media_rate)
    return (
        f"{rate_text(media_rate)} fps footage in a {rate_text(project_rate)} fps project plays "
        f"frame for frame, at {speed:.1%} of its speed (clips are not retimed)"
    )


def is_drop_frame_rate(rate: Fraction) -> bool:
    return rate in (Fraction(30000, 1001), Fraction(60000, 1001))


def to_timecode(frame: int, rate: Fraction, drop_frame: bool | None = None) -> str:
    """Frame number -> 'HH:MM:SS:FF' (';' before the frames in drop-frame timecode)."""
    if drop_frame is None:
        drop_frame = is_drop_frame_rate(rate)
    rt = otime.RationalTime(frame, float(rate))
    try:
        return otime.to_timecode(rt, float(rate), drop_frame)
    except ValueError:
        if drop_frame or rate.denominator != 1:
            raise
    # OTIO knows only the broadcast rates; animation and AI footage runs at 8, 12, 16 fps.
    # Whole-number rates count frames plainly, as editing suites do for them.
    fps = rate.numerator
    seconds, frames = divmod(frame, fps)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}:{frames:02d}"


def from_timecode(text: str, rate: Fraction) -> int:
    """'HH:MM:SS:FF' (or ';FF' for drop-frame) -> frame number."""
    try:
        return round(otime.from_timecode(text, float(rate)).value)
    except ValueError as exc:
        problem = exc
    parts = text.replace(";", ":").split(":")
    if rate.denominator == 1 and ";" not in text and len(parts) == 4 and all(
        p.isdigit() for p in parts
    ):
        hours, minutes, seconds, frames = (int(p) for p in parts)
        if frames < rate.numerator and minutes < 60 and seconds < 60:
            return ((hours * 60 + minutes) * 60 + seconds) * rate.numerator + frames
    raise ValueError(f"{text!r} is not a timecode at {rate_text(rate)} fps: {problem}")

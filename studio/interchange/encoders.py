"""Deliverable media: the formats editing suites take, named for people, encoded by `studio.media`.

A profile says what a render or a collected file is called and where it goes (a .mov, an
.mp4, or a folder of PNG files); the encoding itself (codec settings, BT.709 tags, start
timecode, metadata, temp-then-rename) is `studio.media.VideoWriter`, the same encoder that
writes takes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from studio.core.errors import BadInput
from studio.core.timecode import to_timecode
from studio.media.codecs import CODECS, PNG_SEQUENCE, VideoCodec
from studio.media.writer import VideoWriter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MediaProfile:
    key: str  # also the studio.media codec it encodes with
    title: str
    suffix: str  # "" for an image sequence (a folder)

    @property
    def codec(self) -> VideoCodec:
        return PNG_SEQUENCE if self.key == PNG_SEQUENCE.name else CODECS[self.key]


PROFILES: dict[str, MediaProfile] = {
    p.key: p
    for p in (
        MediaProfile("prores", "ProRes 422 HQ", ".mov"),
        MediaProfile("dnxhr", "DNxHR HQ", ".mov"),
        MediaProfile("h264", "H.264", ".mp4"),
        MediaProfile("png", "PNG sequence", ""),
    )
}


def profile(key: str) -> MediaProfile:
    if key not in PROFILES:
        raise BadInput(f"{key!r} is not a media format; use one of {', '.join(PROFILES)}.")
    return PROFILES[key]


def check_size(prof: MediaProfile, width: int, height: int) -> None:
    """Refuse a project size the format cannot carry, saying which formats can."""
    codec = prof.codec
    others = [p.key for p in PROFILES.values() if p.codec.fits(width, height)]
    listed = ", ".join(others[:-1]) + " or " + others[-1] if len(others) > 1 else "".join(others)
    choose = f"choose {listed}" if others else "choose another format"
    if codec.too_small(width, height):
        min_w, min_h = codec.min_size
        raise BadInput(
            f"{prof.title} needs pictures of at least {min_w}x{min_h}, and this project is "
            f"{width}x{height}; {choose}."
        )
    odd = codec.odd_sides(width, height)
    if odd:
        raise BadInput(
            f"{prof.title} needs an even {odd}, and this project is {width}x{height}; "
            f"{choose} or change the project size."
        )


def output_path(prof: MediaProfile, stem: Path) -> Path:
    """The file (or PNG folder) a profile writes for `stem` (a path without a suffix)."""
    return stem.with_name(stem.name + prof.suffix) if prof.suffix else stem


def open_writer(
    path: Path,
    prof: MediaProfile,
    rate: Fraction,
    width: int,
    height: int,
    *,
    metadata: dict[str, Any] | None = None,
) -> VideoWriter:
    """A writer for one deliverable at the project's rate and size, starting at timecode
    00:00:00:00 (00:00:00;00 at drop-frame rates) so frame numbers and timecode agree."""
    check_size(prof, width, height)
    return VideoWriter(
        path,
        rate,
        codec=prof.key,
        size=(width, height),
        metadata=metadata,
        start_timecode=to_timecode(0, Fraction(rate)),
    )

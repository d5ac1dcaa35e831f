"""What a probe says about a media file, and the limits an untrusted file must stay within."""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from studio.core.model import MediaKind


@dataclass(frozen=True)
class MediaInfo:
    """One video or still image, as its header describes it.

    `rate` is exact (24000/1001, not 23.976). Stills have `frames == 1` and `rate == 0`:
    a still has no rate of its own; whoever places it decides how long it lasts.
    `metadata` keys are lower-cased, since Matroska upper-cases the tags it stores.
    """

    path: str
    kind: MediaKind
    width: int
    height: int
    frames: int
    rate: Fraction
    duration_s: float
    codec: str
    pix_fmt: str
    container: str
    # The extension that matches the content ('.mp4', '.png'), whatever the file is named.
    ext: str
    start_timecode: str | None = None
    # Left out of the hash (a dict has none), so a MediaInfo can still be a dict key.
    metadata: dict[str, str] = field(default_factory=dict, hash=False)

    @property
    def pixels(self) -> int:
        return self.width * self.height


@dataclass(frozen=True)
class MediaLimits:
    """What an untrusted file may claim before we decode any of it.

    The defaults admit 8K footage up to four hours long; a header claiming more is refused
    before a decoder sees it, so a crafted file cannot make us allocate gigabytes.
    """

    max_pixels: int = 8192 * 8192
    max_duration_s: float = 4 * 3600.0
    max_file_bytes: int = 200 * 1024**3
    # Seconds the probing child may take before it is stopped.
    timeout_s: float = 30.0
    # Address space for the probing child; an allocation past it fails instead of swapping.
    max_memory_bytes: int = 4 * 1024**3


DEFAULT_LIMITS = MediaLimits()

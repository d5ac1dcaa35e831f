"""The codecs the studio writes, what each one needs, and which file each one goes in.

One table for every writer: takes (`write_video`), renders and collected media
(`studio.interchange`) all encode through `VideoWriter` with these settings.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from studio.core.errors import BadInput, StudioError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoCodec:
    name: str  # what callers ask for: 'h264', 'prores', 'dnxhr', 'ffv1', 'png'
    encoder: str  # the FFmpeg encoder
    pix_fmt: str
    options: dict[str, str] = field(default_factory=dict)
    min_size: tuple[int, int] = (1, 1)
    # 4:2:0 needs even widths and heights, 4:2:2 even widths: an odd edge column comes
    # back in the wrong colours.
    even_width: bool = True
    even_height: bool = False
    yuv: bool = True

    def too_small(self, width: int, height: int) -> bool:
        return width < self.min_size[0] or height < self.min_size[1]

    def odd_sides(self, width: int, height: int) -> str | None:
        """'width' or 'width and height' when this codec needs them even and they are not."""
        if (self.even_width and width % 2) or (self.even_height and height % 2):
            return "width and height" if self.even_height else "width"
        return None

    def fits(self, width: int, height: int) -> bool:
        return not self.too_small(width, height) and self.odd_sides(width, height) is None


CODECS: dict[str, VideoCodec] = {
    "h264": VideoCodec("h264", "libx264", "yuv420p", {"crf": "16", "preset": "medium"},
                       even_height=True),
    # Profile 3 is ProRes 422 HQ; 'apl0' is the vendor tag Apple's own tools write.
    "prores": VideoCodec("prores", "prores_ks", "yuv422p10le",
                         {"profile": "3", "vendor": "apl0"}),
    # FFmpeg's DNxHR encoder refuses pictures under 256x120.
    "dnxhr": VideoCodec("dnxhr", "dnxhd", "yuv422p", {"profile": "dnxhr_hq"},
                        min_size=(256, 120)),
    # Lossless RGB; slice CRCs let a damaged take be detected instead of shown.
    "ffv1": VideoCodec("ffv1", "ffv1", "bgr0", {"level": "3", "slicecrc": "1", "g": "1"},
                       even_width=False, yuv=False),
}
# A folder of numbered PNG files (FFmpeg's image2 muxer): not a file codec, so not in CODECS.
PNG_SEQUENCE = VideoCodec("png", "png", "rgb24", even_width=False, yuv=False)

_DEFAULT_CODEC = {".mp4": "h264", ".mov": "prores", ".mkv": "ffv1"}
_ALLOWED = {".mp4": {"h264"}, ".mov": {"prores", "dnxhr", "h264"}, ".mkv": set(CODECS)}
_MUXER = {".mp4": "mp4", ".mov": "mov", ".mkv": "matroska"}
DRAFT_OPTIONS = {"h264": {"crf": "23", "preset": "veryfast"}}
_TIMECODE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})([:;.])(\d{2})$")


def available_codecs() -> dict[str, bool]:
    """Which of CODECS this PyAV build can write (for `studio doctor` and for menus)."""
    return {name: spec.encoder in av.codecs_available for name, spec in CODECS.items()}


def choose_codec(path: Path, codec: str | None) -> tuple[VideoCodec, str]:
    """The codec and FFmpeg muxer for writing `path`; 'png' writes `path` as a folder."""
    if codec == PNG_SEQUENCE.name:
        return PNG_SEQUENCE, "image2"
    ext = path.suffix.lower()
    if ext not in _DEFAULT_CODEC:
        raise BadInput(f"cannot write video to {path.name}: use a .mp4, .mov or .mkv name.")
    name = codec or _DEFAULT_CODEC[ext]
    if name not in CODECS:
        raise BadInput(f"unknown codec {name!r}; choose one of {', '.join(CODECS)}.")
    if name not in _ALLOWED[ext]:
        raise BadInput(f"{name} cannot go in a {ext} file; use "
                       f"{' or '.join(sorted(_ALLOWED[ext]))}, or another extension.")
    spec = CODECS[name]
    if spec.encoder not in av.codecs_available:
        raise StudioError(f"this PyAV build has no {spec.encoder} encoder for {name}; "
                          "reinstall the av wheel from PyPI, which includes it.")
    return spec, _MUXER[ext]


def check_size(spec: VideoCodec, width: int, height: int) -> None:
    if spec.too_small(width, height):
        min_w, min_h = spec.min_size
        raise BadInput(f"{spec.name} needs frames of at least {min_w}x{min_h}, not "
                       f"{width}x{height}; use prores or h264 for small frames.")
    odd = spec.odd_sides(width, height)
    if odd:
        raise BadInput(f"{spec.name} needs an even {odd}, not {width}x{height}; resize by "
                       "one pixel or write a .mkv (ffv1).")


def check_frame(array, shape: tuple[int, int] | None, index: int) -> tuple[int, int]:
    """(height, width) of an HxWx3 uint8 RGB frame; BadInput for anything else, or for a
    frame whose size differs from `shape`."""
    if not isinstance(array, np.ndarray) or array.dtype != np.uint8 or array.ndim != 3 or (
            array.shape[2] != 3):
        got = getattr(array, "shape", type(array).__name__)
        raise BadInput(f"frame {index} is {got}; frames must be HxWx3 uint8 RGB arrays.")
    if shape is not None and array.shape[:2] != shape:
        raise BadInput(f"frame {index} is {array.shape[1]}x{array.shape[0]} but the first "
                       f"frame is {shape[1]}x{shape[0]}; all frames must be the same size.")
    return array.shape[0], array.shape[1]


def check_timecode(text: str, fps: Fraction) -> None:
    """Refuse timecode text that cannot start a file at `fps` (';' marks drop-frame)."""
    match = _TIMECODE.match(text)
    nominal = round(fps)
    if not match or int(match[2]) > 59 or int(match[3]) > 59 or int(match[5]) >= nominal:
        raise BadInput(f"{text!r} is not a timecode at {float(fps):g} fps; "
                       "write HH:MM:SS:FF, e.g. 01:00:00:00.")

"""Deliverable media: the codecs editing suites take, written frame by frame with PyAV.

A `MediaWriter` writes one file (or one PNG sequence folder) at the project rate with the
start timecode and the studio metadata in the container. It writes to a temporary name and
renames on `close()`, so a failed or cancelled export leaves nothing half-written.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Self

import av
import numpy as np
from av.video.reformatter import ColorRange, Colorspace

from studio.core.atomic import temp_path
from studio.core.errors import BadInput, StudioError
from studio.core.timecode import to_timecode

log = logging.getLogger(__name__)

# FFmpeg's colour-matrix tags (AVCOL_SPC_*) -> the matrices the scaler knows.
_MATRIX = {
    1: Colorspace.ITU709,
    5: Colorspace.ITU601,
    6: Colorspace.ITU601,
    7: Colorspace.SMPTE240M,
    9: Colorspace.BT2020,
}
_BT709 = 1  # AVCOL_SPC / AVCOL_PRI / AVCOL_TRC value for BT.709


@dataclass(frozen=True)
class MediaProfile:
    key: str
    title: str
    suffix: str  # "" for an image sequence (a folder)
    codec: str
    pix_fmt: str
    options: dict[str, str] = field(default_factory=dict)
    min_size: tuple[int, int] = (1, 1)
    even_size: bool = False


PROFILES: dict[str, MediaProfile] = {
    p.key: p
    for p in (
        # ProRes 422 HQ is prores_ks profile 3; "apl0" is the vendor id Apple's own files carry.
        MediaProfile(
            "prores",
            "ProRes 422 HQ",
            ".mov",
            "prores_ks",
            "yuv422p10le",
            {"profile": "3", "vendor": "apl0"},
        ),
        # FFmpeg's DNxHR encoder refuses pictures under 256x120.
        MediaProfile(
            "dnxhr",
            "DNxHR HQ",
            ".mov",
            "dnxhd",
            "yuv422p",
            {"profile": "dnxhr_hq"},
            min_size=(256, 120),
        ),
        MediaProfile(
            "h264",
            "H.264",
            ".mp4",
            "libx264",
            "yuv420p",
            {"crf": "16", "preset": "medium"},
            even_size=True,
        ),
        MediaProfile("png", "PNG sequence", "", "png", "rgb24"),
    )
}


def profile(key: str) -> MediaProfile:
    if key not in PROFILES:
        raise BadInput(f"{key!r} is not a media format; use one of {', '.join(PROFILES)}.")
    return PROFILES[key]


def check_size(prof: MediaProfile, width: int, height: int) -> None:
    min_w, min_h = prof.min_size
    if width < min_w or height < min_h:
        raise BadInput(
            f"{prof.title} needs pictures of at least {min_w}x{min_h}, and this project is "
            f"{width}x{height}; choose prores or h264."
        )
    if prof.even_size and (width % 2 or height % 2):
        raise BadInput(
            f"{prof.title} needs an even width and height, and this project is {width}x{height}; "
            "choose prores or change the project size."
        )


def output_path(prof: MediaProfile, stem: Path) -> Path:
    """The file (or PNG folder) a profile writes for `stem` (a path without a suffix)."""
    return stem.with_name(stem.name + prof.suffix) if prof.suffix else stem


class MediaWriter:
    """Encodes frames to `path` with `prof`; use as a context manager, or call close()."""

    def __init__(
        self,
        path: Path,
        prof: MediaProfile,
        rate: Fraction,
        width: int,
        height: int,
        *,
        start_frame: int = 0,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        check_size(prof, width, height)
        self.path = Path(path)
        self.profile = prof
        self.rate = Fraction(rate)
        self.width, self.height = width, height
        self.count = 0
        self.timecode = to_timecode(start_frame, self.rate)
        self._tmp = temp_path(self.path)
        if not prof.suffix:
            self._tmp.mkdir(parents=True)
            target = str(self._tmp / f"{self.path.name}.%06d.png")
            self._container = av.open(target, "w", format="image2", options={"start_number": "0"})
        else:
            self._tmp = self._tmp.with_suffix(prof.suffix)  # the muxer picks mov / mp4 by suffix
            self._container = av.open(
                str(self._tmp), "w", options={"movflags": "+use_metadata_tags"}
            )
        try:
            self._open_stream(metadata or {})
        except Exception:
            self.abort()
            raise

    def _open_stream(self, metadata: dict[str, Any]) -> None:
        prof = self.profile
        stream = self._container.add_stream(prof.codec, rate=self.rate, options=dict(prof.options))
        stream.width, stream.height = self.width, self.height
        stream.pix_fmt = prof.pix_fmt
        self._yuv = prof.pix_fmt.startswith("yuv")
        if self._yuv:
            # Tag deliverables BT.709, limited range, and convert into exactly that (see
            # _conform), so every suite shows the colours we meant; untagged files get guessed.
            context = stream.codec_context
            context.colorspace = _BT709
            context.color_primaries = _BT709
            context.color_trc = _BT709
            context.color_range = ColorRange.MPEG
        if prof.suffix:
            stream.metadata["timecode"] = self.timecode
            for key, value in metadata.items():
                text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
                self._container.metadata[key] = text
        self._stream = stream
        self._tick = 1 / self.rate
        self._black = av.VideoFrame.from_ndarray(
            np.zeros((self.height, self.width, 3), np.uint8), format="rgb24"
        )

    def write(self, frame: av.VideoFrame | np.ndarray | None) -> None:
        """Append one frame: a decoded frame, an HxWx3 uint8 RGB array, or None for black."""
        if frame is None:
            frame = self._black
        elif isinstance(frame, np.ndarray):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        frame = self._conform(frame)
        # A decoded frame carries its source's time base: count in ours, one tick a frame.
        frame.pts = self.count
        frame.time_base = self._tick
        for packet in self._stream.encode(frame):
            self._container.mux(packet)
        self.count += 1

    def _conform(self, frame: av.VideoFrame) -> av.VideoFrame:
        """The frame at our size and pixel format, in BT.709 for YUV deliverables."""
        if not self._yuv:
            return frame.reformat(width=self.width, height=self.height, format=self.profile.pix_fmt)
        rgb = frame.format.name.startswith(("rgb", "bgr", "gbr"))
        if rgb:
            source_matrix, source_range = None, None
        else:
            # An untagged source is read the way players do: BT.601 below HD, BT.709 above.
            guess = Colorspace.ITU709 if frame.height >= 720 else Colorspace.ITU601
            source_matrix = _MATRIX.get(int(frame.colorspace), guess)
            source_range = ColorRange.JPEG if int(frame.color_range) == 2 else ColorRange.MPEG
        return frame.reformat(
            width=self.width,
            height=self.height,
            format=self.profile.pix_fmt,
            src_colorspace=source_matrix,
            dst_colorspace=Colorspace.ITU709,
            src_color_range=source_range,
            dst_color_range=ColorRange.MPEG,
            dst_color_trc=_BT709,
            dst_color_primaries=_BT709,
        )

    def close(self) -> Path:
        """Finish the file and move it into place; returns its path."""
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
            self._container.close()
        except (av.FFmpegError, OSError) as exc:
            self.abort()
            raise StudioError(f"Could not finish {self.path.name} ({exc}).") from None
        if not self.profile.suffix and self.path.is_dir():
            shutil.rmtree(self.path)  # a folder cannot be replaced by a rename
        os.replace(self._tmp, self.path)
        return self.path

    def abort(self) -> None:
        try:
            self._container.close()
        except Exception:  # closing a broken container can fail again; the temp goes anyway
            log.debug("closing an aborted writer failed", exc_info=True)
        if self._tmp.is_dir():
            shutil.rmtree(self._tmp, ignore_errors=True)
        elif self._tmp.exists():
            self._tmp.unlink()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

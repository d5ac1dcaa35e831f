"""`VideoWriter`: the one encoder. Frames go in one at a time; the file appears whole or not at all.

Everything the studio writes as video goes through here: takes (`write_video`), timeline
renders and collected media (`studio.interchange`). The file (or PNG sequence folder) is
written under a temporary name beside the target, fsynced, and renamed on `close()`;
`abort()` (or an exception inside a `with` block) removes the temporary and leaves any older
file at the target untouched.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from fractions import Fraction
from pathlib import Path
from typing import Any, Self

import av
import numpy as np
from av.video.reformatter import ColorRange, Colorspace

from studio.core.atomic import fsync_dir, temp_path
from studio.core.errors import BadInput, StudioError
from studio.media.codecs import (
    DRAFT_OPTIONS,
    check_frame,
    check_size,
    check_timecode,
    choose_codec,
)

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


class VideoWriter:
    """Encode frames to `path` at exactly `fps`; use as a context manager, or call close().

    `codec`: h264 / prores / dnxhr / ffv1 (default by extension: .mp4 h264, .mov prores,
    .mkv ffv1), or 'png' for a folder of `NAME.000000.png` files. `size` = (width, height);
    without it the first frame sets the size. Arrays must be HxWx3 uint8 RGB at that size;
    decoded `av.VideoFrame`s (another file's pictures) are scaled and converted to it; None
    writes a black frame. `start_timecode` is HH:MM:SS:FF text (HH:MM:SS;FF drop-frame).
    `metadata` goes in the container; values that are not text are stored as JSON.
    `quality` 'draft' makes a faster, smaller H.264 (other codecs have one quality).
    Raises BadInput for a request that cannot be met, StudioError when encoding fails.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        fps: Fraction | int,
        *,
        codec: str | None = None,
        size: tuple[int, int] | None = None,
        metadata: dict[str, Any] | None = None,
        start_timecode: str | None = None,
        quality: str = "high",
    ) -> None:
        self.path = Path(path)
        self.spec, self._muxer = choose_codec(self.path, codec)
        if quality not in ("high", "draft"):
            raise BadInput(f"quality must be 'high' or 'draft', not {quality!r}.")
        self.fps = Fraction(fps)
        if self.fps <= 0:
            raise BadInput(f"a frame rate must be positive, not {self.fps}.")
        if start_timecode is not None:
            check_timecode(start_timecode, self.fps)
        self.start_timecode = start_timecode
        self.count = 0
        self.size: tuple[int, int] | None = None
        self._quality = quality
        self._metadata = dict(metadata or {})
        self._container: av.container.OutputContainer | None = None
        self._temp: Path | None = None
        self._finished = False
        self.sequence = self._muxer == "image2"  # a folder of PNG files, not one file
        if size is not None:
            self._open(*size)

    def _open(self, width: int, height: int) -> None:
        check_size(self.spec, width, height)
        self.size = (width, height)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._temp = temp_path(self.path)
        if self.sequence:
            target, options = str(self._temp / f"{self.path.name}.%06d.png"), {"start_number": "0"}
        else:
            # Custom keys (the recipe) are dropped by the muxer unless asked to keep them;
            # faststart puts the index first so players can start before the file has arrived.
            target, options = str(self._temp), {}
            if self._muxer in ("mp4", "mov"):
                faststart = "+faststart" if self._muxer == "mp4" else ""
                options["movflags"] = "use_metadata_tags" + faststart
        try:
            if self.sequence:
                self._temp.mkdir()
            self._container = av.open(target, "w", format=self._muxer, options=options)
            self._add_stream(width, height)
        except (av.FFmpegError, OSError) as exc:
            self.abort()
            raise StudioError(f"could not start {self.path.name} ({exc}).") from None
        except BaseException:
            self.abort()
            raise

    def _add_stream(self, width: int, height: int) -> None:
        spec = self.spec
        container = self._container
        if not self.sequence:
            for key, value in self._metadata.items():
                text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
                container.metadata[str(key)] = text
            if self.start_timecode:
                container.metadata["timecode"] = self.start_timecode
        draft = DRAFT_OPTIONS.get(spec.name, {}) if self._quality == "draft" else {}
        stream = container.add_stream(spec.encoder, rate=self.fps,
                                      options={**spec.options, **draft})
        stream.width, stream.height = width, height
        stream.pix_fmt = spec.pix_fmt
        stream.codec_context.time_base = 1 / self.fps
        if spec.yuv:
            # Tag BT.709, limited range, and convert into exactly that (see _conform), so
            # players and editing suites show the colours we meant; untagged files get guessed.
            context = stream.codec_context
            context.colorspace = _BT709
            context.color_primaries = _BT709
            context.color_trc = _BT709
            context.color_range = ColorRange.MPEG
        self._stream = stream
        self._tick = 1 / self.fps
        self._black = av.VideoFrame.from_ndarray(
            np.zeros((height, width, 3), np.uint8), format="rgb24"
        )

    def write(self, frame: av.VideoFrame | np.ndarray | None) -> None:
        """Append one frame: an HxWx3 uint8 RGB array, a decoded frame, or None for black."""
        if self._finished:
            raise ValueError(f"the writer for {self.path.name} is already closed")
        if isinstance(frame, np.ndarray) or not isinstance(frame, (av.VideoFrame, type(None))):
            shape = None if self.size is None else (self.size[1], self.size[0])
            height, width = check_frame(frame, shape, self.count)
            if self._container is None:
                self._open(width, height)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        elif self._container is None:
            if frame is None:
                raise BadInput("a black frame needs a size; give the writer one, or write a "
                               "picture first.")
            self._open(frame.width, frame.height)
        if frame is None:
            frame = self._black
        frame = self._conform(frame)
        # A decoded frame carries its source's time base: count in ours, one tick a frame.
        frame.pts = self.count
        frame.time_base = self._tick
        try:
            self._container.mux(self._stream.encode(frame))
        except av.FFmpegError as exc:
            self.abort()
            raise StudioError(f"encoding {self.spec.name} failed: {exc}.") from None
        self.count += 1

    def _conform(self, frame: av.VideoFrame) -> av.VideoFrame:
        """The frame at our size and pixel format, in BT.709 for YUV codecs."""
        width, height = self.size
        if not self.spec.yuv:
            return frame.reformat(width=width, height=height, format=self.spec.pix_fmt)
        if frame.format.name.startswith(("rgb", "bgr", "gbr")):
            source_matrix, source_range = None, None
        else:
            # An untagged source is read the way players do: BT.601 below HD, BT.709 above.
            guess = Colorspace.ITU709 if frame.height >= 720 else Colorspace.ITU601
            source_matrix = _MATRIX.get(int(frame.colorspace), guess)
            source_range = ColorRange.JPEG if int(frame.color_range) == 2 else ColorRange.MPEG
        return frame.reformat(
            width=width,
            height=height,
            format=self.spec.pix_fmt,
            src_colorspace=source_matrix,
            dst_colorspace=Colorspace.ITU709,
            src_color_range=source_range,
            dst_color_range=ColorRange.MPEG,
            dst_color_trc=_BT709,
            dst_color_primaries=_BT709,
        )

    def close(self) -> Path:
        """Finish the file, make it durable and move it into place; returns its path."""
        if self._finished:
            return self.path
        if self._container is None:
            self.abort()
            raise BadInput("there are no frames to write; give at least one frame.")
        try:
            self._container.mux(self._stream.encode(None))
            self._container.close()
            _fsync(self._temp)
            if self.sequence and self.path.is_dir():
                shutil.rmtree(self.path)  # a folder cannot be replaced by a rename
            os.replace(self._temp, self.path)
            fsync_dir(self.path.parent)
        except av.FFmpegError as exc:
            self.abort()
            raise StudioError(f"encoding {self.spec.name} failed: {exc}.") from None
        except OSError as exc:
            self.abort()
            raise StudioError(f"could not write {self.path}: {exc.strerror or exc}.") from None
        self._finished = True
        log.info("wrote %s: %d frames, %s, %s fps", self.path, self.count, self.spec.name,
                 self.fps)
        return self.path

    def abort(self) -> None:
        """Stop and remove the temporary; the target (and any older file there) is untouched."""
        self._finished = True
        if self._container is not None:
            try:
                self._container.close()
            except Exception:  # closing a broken container can fail again; the temp goes anyway
                log.debug("closing an aborted writer failed", exc_info=True)
        if self._temp is None:
            return
        if self._temp.is_dir():
            shutil.rmtree(self._temp, ignore_errors=True)
        else:
            self._temp.unlink(missing_ok=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _fsync(path: Path) -> None:
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    for file in files:
        with open(file, "rb") as fh:
            os.fsync(fh.fileno())
    if path.is_dir():
        fsync_dir(path)

"""Frame-accurate decoding: frame N is the Nth frame in presentation order.

We seek to the keyframe at or before the wanted frame, then decode forward, numbering each
frame from its presentation timestamp. If a seek lands past the wanted frame (a broken index),
we decode from the start instead, so the answer never depends on how the file was indexed.
This is the studio's one decoding path: `read_frames` / `iter_frames` give RGB arrays,
`decode_frames` the PyAV frames themselves (renders pass those straight to `VideoWriter`).
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from studio.core.errors import BadInput
from studio.media.images import load_image
from studio.media.probe import stream_rate
from studio.media.sniff import read_image_header

log = logging.getLogger(__name__)


def read_frames(
    path: str | os.PathLike,
    start: int = 0,
    count: int | None = None,
    *,
    size: tuple[int, int] | None = None,
) -> np.ndarray:
    """Frames start..start+count-1 as a [T,H,W,3] uint8 RGB array (`size` = (width, height)).

    With `count=None` reads to the end. Raises BadInput when the file has fewer frames than
    asked for, so a caller never silently gets a shorter clip.
    """
    frames = list(iter_frames(path, start, count, size=size))
    if count is not None and len(frames) < count:
        raise BadInput(
            f"{Path(path).name} has no frames {start + len(frames)}..{start + count - 1} "
            f"(asked for {count} frames from frame {start}); ask for fewer frames."
        )
    if not frames:
        raise BadInput(f"{Path(path).name} has no frame {start}; it is shorter than that.")
    return np.stack(frames)


def iter_frames(
    path: str | os.PathLike,
    start: int = 0,
    count: int | None = None,
    *,
    size: tuple[int, int] | None = None,
    threads: int = 0,
) -> Iterator[np.ndarray]:
    """Yield HxWx3 uint8 RGB frames from `start`, `count` of them (or to the end).

    `threads` = 0 lets FFmpeg pick (fast playback); 1 decodes on this thread only, which
    keeps memory small where it is capped (the probing child).
    """
    path = Path(path)
    if count != 0 and path.is_file() and read_image_header(path) is not None:
        _check_span(start, count)
        if start == 0:
            yield load_image(path, size)
        return
    for frame in decode_frames(path, start, count, threads=threads):
        yield _to_rgb(frame, size)


def decode_frames(
    path: str | os.PathLike,
    start: int = 0,
    count: int | None = None,
    *,
    threads: int = 0,
) -> Iterator[av.VideoFrame]:
    """The decoded pictures themselves (PyAV frames, in the file's own pixel format), frame
    `start` onwards, `count` of them (or to the end); for callers that hand them straight to
    an encoder without a round trip through RGB arrays. An image file is one frame.
    """
    _check_span(start, count)
    if count == 0:
        return
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"{path} does not exist; check the path.")
    try:
        yield from _decode(path, start, count, threads)
    except av.error.FFmpegError as exc:
        log.warning("decoding %s failed: %s", path, exc)
        raise BadInput(f"{path.name} could not be decoded ({exc.strerror}); "
                       "the file may be damaged.") from None


def _check_span(start: int, count: int | None) -> None:
    if start < 0:
        raise ValueError(f"start must be 0 or more, not {start}")
    if count is not None and count < 0:
        raise ValueError(f"count must be 0 or more, not {count}")


def _decode(path: Path, start: int, count: int | None, threads: int) -> Iterator[av.VideoFrame]:
    end = None if count is None else start + count
    with av.open(str(path)) as container:
        stream, rate, origin = _video_stream(container, threads)
        seek_to = _seek_target(start, rate, stream.time_base, origin)
        if seek_to is None:
            yield from _select(_numbered(container, stream, rate, origin, by_count=True),
                               start, end)
            return
        container.seek(seek_to, stream=stream, backward=True)
        numbered = _numbered(container, stream, rate, origin, by_count=False)
        first = next(numbered, None)
        if first is not None and first[0] is not None and first[0] <= start:
            yield from _select(_chain(first, numbered), start, end)
            return
        log.debug("seek in %s for frame %s landed at %s; decoding from the start", path,
                  start, first[0] if first else None)
    # The seek overshot (or frames carry no timestamps): number frames from the first one.
    # The file is opened again because some containers (MPEG-TS) cannot seek back to it.
    with av.open(str(path)) as container:
        stream, rate, origin = _video_stream(container, threads)
        yield from _select(_numbered(container, stream, rate, origin, by_count=True),
                           start, end)


def _video_stream(container, threads: int) -> tuple[av.video.stream.VideoStream, Fraction, int]:
    if not container.streams.video:
        name = Path(container.name).name
        raise BadInput(f"{name} has no video stream; use a video or image file instead.")
    stream = container.streams.video[0]
    if threads == 1:
        stream.codec_context.thread_count = 1
    else:
        stream.thread_type = "AUTO"
        stream.codec_context.thread_count = threads
    return stream, stream_rate(stream), stream.start_time or 0


def _select(numbered, start: int, end: int | None) -> Iterator[av.VideoFrame]:
    for index, frame in numbered:
        if index < start:
            continue
        if end is not None and index >= end:
            break
        yield frame


def _seek_target(start: int, rate: Fraction, time_base, origin: int) -> int | None:
    if start == 0 or not rate or not time_base:
        return None
    # Half a frame early, so a timestamp rounded up by the muxer is still at or after it.
    seconds = (Fraction(start) - Fraction(1, 2)) / rate
    return origin + math.floor(seconds / Fraction(time_base.numerator, time_base.denominator))


def _numbered(container, stream, rate: Fraction, origin: int, *, by_count: bool):
    """(index, frame) pairs, numbered from timestamps; from the start of the file
    (`by_count`), frames without a timestamp are numbered by counting."""
    time_base = Fraction(stream.time_base.numerator, stream.time_base.denominator) if (
        stream.time_base) else None
    index: int | None = None
    for counter, frame in enumerate(container.decode(stream)):
        if frame.pts is not None and rate and time_base:
            index = round((frame.pts - origin) * time_base * rate)
        elif by_count:
            index = counter
        elif index is not None:
            index += 1  # one frame without a timestamp after numbered ones
        yield index, frame


def _chain(first, rest):
    yield first
    yield from rest


def _to_rgb(frame: av.VideoFrame, size: tuple[int, int] | None) -> np.ndarray:
    if size is None:
        return frame.to_ndarray(format="rgb24")
    width, height = size
    return frame.to_ndarray(format="rgb24", width=width, height=height, interpolation="AREA")

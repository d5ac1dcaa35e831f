"""Frames of a source file, by frame number, decoded in order for the encoders.

Renders and media collection read spans of frames front to back, so this seeks once to the
keyframe before a span and decodes forward, counting frames by their timestamps (not by
how many came out, which a seek makes unreliable). Decoded frames go straight on to the
encoder, without a round trip through numpy, so a render costs little more than the codecs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

import av

from studio.core.errors import BadInput

log = logging.getLogger(__name__)


def _open(path: Path) -> av.container.InputContainer:
    try:
        return av.open(str(path))
    except (av.FFmpegError, OSError) as exc:
        raise BadInput(
            f"Could not open the media file {path.name} ({exc}); relink or re-import it."
        ) from None


def source_frames(
    path: Path, start: int, count: int, *, still: bool = False
) -> Iterator[av.VideoFrame | None]:
    """`count` frames of `path` from frame `start`; None for frames past the file's end.

    `still` repeats the file's first picture (an image placed as a clip).
    """
    if count <= 0:
        return
    container = _open(path)
    try:
        if not container.streams.video:
            raise BadInput(f"{path.name} has no video stream; place a video or image file instead.")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        if still:
            first = next(container.decode(stream), None)
            for _ in range(count):
                yield first
            return
        rate = Fraction(stream.average_rate or stream.guessed_rate or 24)
        time_base = stream.time_base or Fraction(1, 90000)
        origin = stream.start_time or 0
        if start > 0:
            container.seek(origin + int(start / rate / time_base), stream=stream, backward=True)
        produced = 0
        expected = 0
        for frame in container.decode(stream):
            if frame.pts is None:
                index = expected
            else:
                index = round((frame.pts - origin) * time_base * rate)
            expected = index + 1
            if index < start:
                continue
            yield frame
            produced += 1
            if produced == count:
                return
        if produced < count:
            log.warning(
                "%s ends %d frames before the clip does; rendering black",
                path.name,
                count - produced,
            )
            for _ in range(count - produced):
                yield None
    finally:
        container.close()

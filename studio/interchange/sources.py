"""Frames of a source file, by frame number, for renders and media collection.

Decoding is `studio.media.decode_frames` (frame-accurate, the same path the viewer and the
engine read through); this adds what a cut needs on top: a still repeated for as long as
its clip lasts, and black (None) where a clip runs past the end of its file. The decoded
frames go straight on to the encoder, without a round trip through numpy, so a render
costs little more than the codecs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import av

from studio.core.errors import BadInput
from studio.media.decode import decode_frames

log = logging.getLogger(__name__)


def source_frames(
    path: Path, start: int, count: int, *, still: bool = False
) -> Iterator[av.VideoFrame | None]:
    """`count` frames of `path` from frame `start`; None for frames past the file's end.

    `still` repeats the file's first picture (an image placed as a clip).
    """
    if count <= 0:
        return
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"The media file {path.name} is missing; relink or re-import it.")
    if still:
        first = next(decode_frames(path, 0, 1), None)
        for _ in range(count):
            yield first
        return
    produced = 0
    for frame in decode_frames(path, start, count):
        yield frame
        produced += 1
    if produced < count:
        log.warning(
            "%s ends %d frames before the clip does; rendering black", path.name, count - produced
        )
        for _ in range(count - produced):
            yield None

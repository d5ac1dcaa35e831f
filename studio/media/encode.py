"""Write frames as video files editors accept, at an exact rate, with timecode and metadata.

Codecs by extension: .mp4 -> H.264, .mov -> ProRes 422 HQ (or DNxHR HQ, or H.264),
.mkv -> FFV1 (lossless; how the studio stores generated takes). `write_video` is a loop over
`VideoWriter` (writer.py), the one encoder, which writes to a temporary name beside the
target and renames at the end, so a failure leaves nothing behind.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from studio.core.atomic import write_atomic
from studio.core.errors import BadInput, StudioError
from studio.media.codecs import CODECS, VideoCodec, available_codecs, check_frame
from studio.media.writer import VideoWriter

log = logging.getLogger(__name__)

__all__ = ["CODECS", "VideoCodec", "available_codecs", "write_png_sequence", "write_video"]


def write_video(
    path: str | os.PathLike,
    frames: np.ndarray | Iterable[np.ndarray],
    fps: Fraction | int,
    *,
    codec: str | None = None,
    metadata: dict[str, str] | None = None,
    start_timecode: str | None = None,
    quality: str = "high",
) -> Path:
    """Encode HxWx3 uint8 RGB frames (a [T,H,W,3] array or any iterable of frames) to `path`.

    `quality` is 'high' or 'draft' (a faster, smaller H.264; other codecs have one quality).
    Returns the path written. Raises BadInput for a request that cannot be met.
    """
    if codec is not None and codec not in CODECS:
        raise BadInput(f"unknown codec {codec!r}; choose one of {', '.join(CODECS)}.")
    with VideoWriter(path, fps, codec=codec, metadata=metadata, start_timecode=start_timecode,
                     quality=quality) as writer:
        for array in frames:
            if not isinstance(array, np.ndarray):
                check_frame(array, None, writer.count)  # refuses it: a take has no gaps
            writer.write(array)
    return writer.path


def write_png_sequence(
    directory: str | os.PathLike,
    frames: np.ndarray | Iterable[np.ndarray],
    start_number: int = 0,
    *,
    name: str = "frame",
    digits: int = 6,
) -> list[Path]:
    """Write frames as `name_000000.png`, numbered from `start_number`; returns the paths.

    Stills go into a folder that may hold other files, so each file (not the folder) is
    written under a temporary name and renamed: a file with a final name is always complete.
    A whole PNG-sequence deliverable is `VideoWriter(folder, fps, codec="png")` instead.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for offset, array in enumerate(frames):
        check_frame(array, None, offset)
        target = directory / f"{name}_{start_number + offset:0{digits}d}.png"
        ok, data = cv2.imencode(".png", cv2.cvtColor(array, cv2.COLOR_RGB2BGR))
        if not ok:
            raise StudioError(f"could not encode frame {offset} as PNG.")
        try:
            write_atomic(target, data.tobytes())
        except OSError as exc:
            raise StudioError(f"could not write {target}: {exc.strerror}.") from None
        written.append(target)
    if not written:
        raise BadInput("there are no frames to write; give at least one frame.")
    return written

"""Write frames as video files editors accept, at an exact rate, with timecode and metadata.

Codecs by extension: .mp4 -> H.264, .mov -> ProRes 422 HQ (or DNxHR HQ, or H.264),
.mkv -> FFV1 (lossless; how the studio stores generated takes). Every file is written to a
temporary name beside the target and renamed at the end, so a failure leaves nothing behind.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from studio.core.atomic import fsync_dir, temp_path, write_atomic
from studio.core.errors import BadInput, StudioError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VideoCodec:
    name: str  # what callers ask for: 'h264', 'prores', 'dnxhr', 'ffv1'
    encoder: str  # the FFmpeg encoder
    pix_fmt: str
    options: dict[str, str] = field(default_factory=dict)
    min_size: tuple[int, int] = (1, 1)
    # 4:2:0 needs even widths and heights, 4:2:2 even widths.
    even_width: bool = True
    even_height: bool = False
    yuv: bool = True


CODECS: dict[str, VideoCodec] = {
    "h264": VideoCodec("h264", "libx264", "yuv420p", {"crf": "16", "preset": "medium"},
                       even_height=True),
    # Profile 3 is ProRes 422 HQ; 'apl0' is the vendor tag Apple's own tools write.
    "prores": VideoCodec("prores", "prores_ks", "yuv422p10le",
                         {"profile": "3", "vendor": "apl0"}),
    "dnxhr": VideoCodec("dnxhr", "dnxhd", "yuv422p", {"profile": "dnxhr_hq"},
                        min_size=(256, 120)),
    # Lossless RGB; slice CRCs let a damaged take be detected instead of shown.
    "ffv1": VideoCodec("ffv1", "ffv1", "bgr0", {"level": "3", "slicecrc": "1", "g": "1"},
                       even_width=False, yuv=False),
}

_DEFAULT_CODEC = {".mp4": "h264", ".mov": "prores", ".mkv": "ffv1"}
_ALLOWED = {".mp4": {"h264"}, ".mov": {"prores", "dnxhr", "h264"}, ".mkv": set(CODECS)}
_MUXER = {".mp4": "mp4", ".mov": "mov", ".mkv": "matroska"}
_DRAFT = {"h264": {"crf": "23", "preset": "veryfast"}}
_TIMECODE = re.compile(r"^(\d{2}):(\d{2}):(\d{2})([:;.])(\d{2})$")


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
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in _DEFAULT_CODEC:
        raise BadInput(f"cannot write video to {path.name}: use a .mp4, .mov or .mkv name.")
    name = codec or _DEFAULT_CODEC[ext]
    if name not in CODECS:
        raise BadInput(f"unknown codec {name!r}; choose one of {', '.join(CODECS)}.")
    if name not in _ALLOWED[ext]:
        raise BadInput(f"{name} cannot go in a {ext} file; use "
                       f"{' or '.join(sorted(_ALLOWED[ext]))}, or another extension.")
    if quality not in ("high", "draft"):
        raise BadInput(f"quality must be 'high' or 'draft', not {quality!r}.")
    fps = Fraction(fps)
    if fps <= 0:
        raise BadInput(f"a frame rate must be positive, not {fps}.")
    if start_timecode is not None:
        _check_timecode(start_timecode, fps)
    spec = CODECS[name]
    if spec.encoder not in av.codecs_available:
        raise StudioError(f"this PyAV build has no {spec.encoder} encoder for {name}; "
                          "reinstall the av wheel from PyPI, which includes it.")
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path(path)
    try:
        count = _encode(temp, _MUXER[ext], iter(frames), fps, spec, quality,
                        metadata or {}, start_timecode)
        _fsync(temp)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
    log.info("wrote %s: %d frames, %s, %s fps", path, count, name, fps)
    return path


def available_codecs() -> dict[str, bool]:
    """Which of CODECS this PyAV build can write (for `studio doctor` and for menus)."""
    return {name: spec.encoder in av.codecs_available for name, spec in CODECS.items()}


def _encode(
    temp: Path,
    muxer: str,
    frames,
    fps: Fraction,
    spec: VideoCodec,
    quality: str,
    metadata: dict[str, str],
    start_timecode: str | None,
) -> int:
    first = next(frames, None)
    if first is None:
        raise BadInput("there are no frames to write; give at least one frame.")
    height, width = _check_frame(first, None, 0)
    _check_size(spec, width, height)
    options = {}
    if muxer in ("mp4", "mov"):
        # Custom keys (the recipe) are dropped by the muxer unless asked to keep them;
        # faststart puts the index first so players can start before the whole file arrives.
        options["movflags"] = "use_metadata_tags" + ("+faststart" if muxer == "mp4" else "")
    try:
        container = av.open(str(temp), "w", format=muxer, options=options)
    except av.error.FFmpegError as exc:
        raise StudioError(f"could not create {temp.parent}: {exc.strerror}.") from None
    count = 0
    try:
        for key, value in metadata.items():
            container.metadata[str(key)] = str(value)
        if start_timecode:
            container.metadata["timecode"] = start_timecode
        stream = container.add_stream(spec.encoder, rate=fps)
        stream.width, stream.height = width, height
        stream.pix_fmt = spec.pix_fmt
        stream.codec_context.time_base = 1 / fps
        stream.options = {**spec.options, **(_DRAFT.get(spec.name, {}) if quality == "draft"
                                             else {})}
        if spec.yuv:
            # Tag BT.709 so players and editors convert back to RGB the way we converted in.
            stream.codec_context.colorspace = 1
            stream.codec_context.color_primaries = 1
            stream.codec_context.color_trc = 1
            stream.codec_context.color_range = 1
        frame_iter = _chain(first, frames)
        for array in frame_iter:
            _check_frame(array, (height, width), count)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(array), format="rgb24")
            if spec.yuv:
                frame = frame.reformat(format=spec.pix_fmt, dst_colorspace="ITU709",
                                       dst_color_range="MPEG")
            frame.pts = count
            container.mux(stream.encode(frame))
            count += 1
        container.mux(stream.encode(None))
    except av.error.FFmpegError as exc:
        raise StudioError(f"encoding {spec.name} failed: {exc}.") from None
    finally:
        container.close()
    return count


def _chain(first, rest):
    yield first
    yield from rest


def _check_frame(array, shape: tuple[int, int] | None, index: int) -> tuple[int, int]:
    if not isinstance(array, np.ndarray) or array.dtype != np.uint8 or array.ndim != 3 or (
            array.shape[2] != 3):
        got = getattr(array, "shape", type(array).__name__)
        raise BadInput(f"frame {index} is {got}; frames must be HxWx3 uint8 RGB arrays.")
    if shape is not None and array.shape[:2] != shape:
        raise BadInput(f"frame {index} is {array.shape[1]}x{array.shape[0]} but the first "
                       f"frame is {shape[1]}x{shape[0]}; all frames must be the same size.")
    return array.shape[0], array.shape[1]


def _check_size(spec: VideoCodec, width: int, height: int) -> None:
    min_w, min_h = spec.min_size
    if width < min_w or height < min_h:
        raise BadInput(f"{spec.name} needs frames of at least {min_w}x{min_h}, not "
                       f"{width}x{height}; use prores or h264 for small frames.")
    if (spec.even_width and width % 2) or (spec.even_height and height % 2):
        need = "width and height" if spec.even_height else "width"
        raise BadInput(f"{spec.name} needs an even {need}, not {width}x{height}; resize by "
                       "one pixel or write a .mkv (ffv1).")


def _check_timecode(text: str, fps: Fraction) -> None:
    match = _TIMECODE.match(text)
    nominal = round(fps)
    if not match or int(match[2]) > 59 or int(match[3]) > 59 or int(match[5]) >= nominal:
        raise BadInput(f"{text!r} is not a timecode at {float(fps):g} fps; "
                       "write HH:MM:SS:FF, e.g. 01:00:00:00.")


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def write_png_sequence(
    directory: str | os.PathLike,
    frames: np.ndarray | Iterable[np.ndarray],
    start_number: int = 0,
    *,
    name: str = "frame",
    digits: int = 6,
) -> list[Path]:
    """Write frames as `name_000000.png`, numbered from `start_number`; returns the paths.

    Each file is written under a temporary name and renamed, so a file with a final name is
    always complete.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for offset, array in enumerate(frames):
        _check_frame(array, None, offset)
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

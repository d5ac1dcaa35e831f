"""Read what a media file is (size, frames, exact rate, codec, timecode) without trusting its name.

`probe` is for files the studio made or already checked. Files from outside go through
`safe_probe` (safe_probe.py), which runs `probe_checked` here in a child process.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import av
import av.logging

from studio.core.errors import BadInput
from studio.core.model import MediaKind
from studio.core.timecode import NAMED_RATES
from studio.media.info import MediaInfo, MediaLimits
from studio.media.sniff import ImageHeader, read_image_header

log = logging.getLogger(__name__)

# Containers without a frame count (Matroska) are counted by reading every packet; past this
# size the count comes from the duration instead, which is exact for constant-rate footage.
_COUNT_MAX_BYTES = 2 * 1024**3
# The extension that names what a demuxer found, whatever the file was called.
_CONTAINER_EXT = {"mp4": ".mp4", "mov": ".mov", "matroska": ".mkv", "webm": ".webm", "avi": ".avi"}


def probe(path: str | os.PathLike) -> MediaInfo:
    """Describe a video or still image. Raises BadInput when it is neither."""
    path = _existing_file(path)
    header = read_image_header(path)
    if header is not None:
        return _image_info(path, header)
    with _open_video(path) as container:
        return _video_info(path, container, count=True)


def probe_checked(path: str | os.PathLike, limits: MediaLimits) -> MediaInfo:
    """`probe` for untrusted files: the header is held to `limits` before any frame is decoded,
    then the first and last frames are decoded to prove the file is whole and plays."""
    path = _existing_file(path)
    if path.stat().st_size > limits.max_file_bytes:
        raise BadInput(
            f"{path.name} is {_size_text(path.stat().st_size)}, more than the "
            f"{_size_text(limits.max_file_bytes)} the studio imports; trim it first."
        )
    header = read_image_header(path)
    if header is not None:
        info = _image_info(path, header)
        check_limits(info, limits)
        from studio.media.images import load_image

        # Decoding proves the image is whole, and its shape is the size as shown (a JPEG's
        # header gives the size before its EXIF rotation).
        picture = load_image(path)
        return replace(info, width=picture.shape[1], height=picture.shape[0])
    with av.logging.Capture() as messages:
        container = _open_video(path)
    with container:
        info = _video_info(path, container, count=False)
        if info.width <= 0 or info.height <= 0:
            info = _size_from_log(info, messages)
        check_limits(info, limits)
        info = _video_info(path, container, count=True)
        check_limits(info, limits)
        _decode_first_frame(path, container)
    _decode_last_frame(path, info)
    return info


def _size_from_log(info: MediaInfo, messages: list[tuple[int, str, str]]) -> MediaInfo:
    """FFmpeg refuses sizes past 2^31 bytes before we can read them; its log says what the
    header claimed, which is what the user needs to hear."""
    for _level, _name, text in messages:
        match = re.search(r"Picture size (\d+)x(\d+) is invalid", text)
        if match:
            return replace(info, width=int(match[1]), height=int(match[2]))
    return info


def check_limits(info: MediaInfo, limits: MediaLimits) -> None:
    if info.width <= 0 or info.height <= 0:
        raise BadInput(f"{Path(info.path).name} does not say how big its picture is; "
                       "re-export it and try again.")
    if info.pixels > limits.max_pixels:
        raise BadInput(
            f"{Path(info.path).name} claims {info.width}x{info.height} pixels, more than the "
            f"{limits.max_pixels:,} pixels per frame the studio accepts; scale it down first."
        )
    if info.duration_s > limits.max_duration_s:
        raise BadInput(
            f"{Path(info.path).name} lasts {_duration_text(info.duration_s)}, longer than the "
            f"{_duration_text(limits.max_duration_s)} the studio imports; trim it first."
        )


def _size_text(size: float) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def _duration_text(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} minutes"
    return f"{seconds / 3600:.1f} hours"


def _existing_file(path: str | os.PathLike) -> Path:
    path = Path(path)
    if not path.exists():
        raise BadInput(f"{path} does not exist; check the path.")
    if not path.is_file():
        raise BadInput(f"{path} is not a file; give a video or image file.")
    if path.stat().st_size == 0:
        raise BadInput(f"{path.name} is empty (0 bytes); the copy or download did not finish.")
    return path


def _image_info(path: Path, header: ImageHeader) -> MediaInfo:
    return MediaInfo(
        path=str(path),
        kind=MediaKind.IMAGE,
        width=header.width,
        height=header.height,
        frames=1,
        rate=Fraction(0),
        duration_s=0.0,
        codec=header.format,
        pix_fmt=f"rgb{header.bit_depth * 3}" if header.bit_depth != 8 else "rgb24",
        container=header.format,
        ext=header.ext,
    )


def _open_video(path: Path) -> av.container.InputContainer:
    try:
        container = av.open(str(path), metadata_errors="replace")
    except (av.error.FFmpegError, UnicodeDecodeError) as exc:
        log.info("could not open %s: %s", path, exc)
        kind = _container_signature(path)
        if kind:
            raise BadInput(
                f"{path.name} looks like a {kind.upper()} file but is damaged or truncated "
                "(it may not have finished copying); export or copy it again."
            ) from None
        raise BadInput(
            f"{path.name} is not a video or image file the studio can read; "
            "use MP4, MOV, MKV, PNG, JPEG or WebP."
        ) from None
    if not container.streams.video:
        has_audio = bool(container.streams.audio)
        container.close()
        if has_audio:
            raise BadInput(
                f"{path.name} has no video stream (it holds only audio); "
                "import a video or image file."
            )
        raise BadInput(
            f"{path.name} is not a video or image file the studio can read; "
            "use MP4, MOV, MKV, PNG, JPEG or WebP."
        )
    return container


def _container_signature(path: Path) -> str | None:
    """The container a file starts like: one that will not open is damaged, not unknown."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free"):
        return "mov" if head[8:10] == b"qt" else "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "matroska"
    if head.startswith(b"RIFF") and head[8:12] == b"AVI ":
        return "avi"
    return None


def stream_rate(stream: av.video.stream.VideoStream) -> Fraction:
    """The stream's exact frame rate; rates a muxer rounded (29.97003) snap back to NTSC."""
    rate = stream.average_rate or stream.guessed_rate or stream.base_rate
    if not rate:
        return Fraction(0)
    rate = Fraction(rate.numerator, rate.denominator)
    if rate.denominator not in (1, 1001):
        for exact in NAMED_RATES.values():
            if abs(float(rate) - float(exact)) < 0.0005:
                return exact
    return rate


def _video_info(path: Path, container: av.container.InputContainer, *, count: bool) -> MediaInfo:
    stream = container.streams.video[0]
    ctx = stream.codec_context
    rate = stream_rate(stream)
    header_s = _header_duration(container, stream)
    estimate = round(header_s * rate) if rate else 0
    if stream.frames:
        frames = stream.frames
    elif count and (path.stat().st_size <= _COUNT_MAX_BYTES or not estimate):
        frames = _count_packets(container, stream)
    else:
        frames = estimate
    duration_s = float(frames / rate) if rate and frames else header_s
    metadata = {key.lower(): value for key, value in container.metadata.items()}
    fmt = container.format.name
    return MediaInfo(
        path=str(path),
        kind=MediaKind.VIDEO,
        width=ctx.width,
        height=ctx.height,
        frames=frames,
        rate=rate,
        duration_s=duration_s,
        codec=ctx.name,
        pix_fmt=ctx.pix_fmt or "",
        container=fmt,
        ext=_ext_for(path, fmt, metadata),
        start_timecode=_timecode(container, stream),
        metadata=metadata,
    )


def _header_duration(container: av.container.InputContainer, stream) -> float:
    if stream.duration is not None and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return 0.0


def _count_packets(container: av.container.InputContainer, stream) -> int:
    """Frames by demuxing (no decoding): for containers like Matroska that store no count."""
    frames = 0
    for packet in container.demux(stream):
        if packet.size:
            frames += 1
    container.seek(0)
    return frames


def _timecode(container: av.container.InputContainer, stream) -> str | None:
    places = [stream.metadata, *(s.metadata for s in container.streams.data), container.metadata]
    for metadata in places:
        for key, value in metadata.items():
            if key.lower() == "timecode" and value:
                return value
    return None


def _ext_for(path: Path, fmt: str, metadata: dict[str, str]) -> str:
    names = fmt.split(",")
    if "mov" in names:
        # One demuxer reads both; the brand says which the file is.
        if metadata.get("major_brand", "").strip() == "qt":
            return ".mov"
        return ".mov" if path.suffix.lower() == ".mov" else ".mp4"
    suffix = path.suffix.lower()
    # 'matroska,webm' reads both: keep the file's own name when it is one of them.
    candidates = [_CONTAINER_EXT[name] for name in names if name in _CONTAINER_EXT]
    if candidates:
        return suffix if suffix in candidates else candidates[0]
    return suffix if suffix else f".{names[0]}"


def _decode_last_frame(path: Path, info: MediaInfo) -> None:
    """A file cut short keeps the header that promised every frame; the last one is missing."""
    from studio.media.decode import iter_frames

    if info.frames < 2:
        return
    try:
        last = next(iter_frames(path, info.frames - 1, 1, threads=1), None)
    except BadInput:
        last = None
    if last is None:
        raise BadInput(
            f"{path.name} is truncated: its header promises {info.frames} frames but the "
            "last ones are missing; copy or export it again."
        )


def _decode_first_frame(path: Path, container: av.container.InputContainer) -> None:
    container.streams.video[0].codec_context.thread_count = 1  # memory is capped here
    try:
        for _frame in container.decode(video=0):
            return
    except av.error.FFmpegError as exc:
        log.info("decoding %s failed: %s", path, exc)
    raise BadInput(
        f"{path.name} has a readable header but its frames do not decode; "
        "the file is damaged or truncated, so export or copy it again."
    )

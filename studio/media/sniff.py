"""Recognise still images by their first bytes and read their size from the header alone.

Files are judged by content, never by extension: a PNG named .mp4 is a PNG. Reading the
size ourselves, without a decoder, lets a header that claims 100000x100000 pixels be refused
before anything allocates memory for it.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import BadInput

log = logging.getLogger(__name__)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"

# JPEG start-of-frame markers (baseline, progressive, lossless...); C4, C8 and CC are not frames.
_SOF_MARKERS = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


@dataclass(frozen=True)
class ImageHeader:
    format: str  # 'png', 'jpeg', 'webp'
    width: int
    height: int
    bit_depth: int = 8

    @property
    def ext(self) -> str:
        return {"png": ".png", "jpeg": ".jpg", "webp": ".webp"}[self.format]


def image_format(head: bytes) -> str | None:
    """'png', 'jpeg' or 'webp' when the bytes start like one, else None."""
    if head.startswith(PNG_MAGIC):
        return "png"
    if head.startswith(JPEG_MAGIC):
        return "jpeg"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def read_image_header(path: Path) -> ImageHeader | None:
    """The image's format and size from its header, or None when it is not a still image.

    Raises BadInput when the file starts like an image but its header is cut short or broken.
    """
    with open(path, "rb") as fh:
        head = fh.read(64)
        fmt = image_format(head)
        if fmt is None:
            return None
        try:
            if fmt == "png":
                return _png(head)
            if fmt == "webp":
                return _webp(head)
            return _jpeg(fh)
        except (struct.error, ValueError) as exc:
            log.info("broken %s header in %s: %s", fmt, path, exc)
            raise BadInput(
                f"{path.name} starts like a {fmt.upper()} image but its header is damaged; "
                "re-export the image and try again."
            ) from None


def _png(head: bytes) -> ImageHeader:
    # Signature, then the IHDR chunk: length, b'IHDR', width, height, bit depth.
    length, kind, width, height, depth = struct.unpack(">I4sIIB", head[8:25])
    if kind != b"IHDR" or length != 13:
        raise ValueError("first chunk is not IHDR")
    return ImageHeader("png", width, height, depth)


def _webp(head: bytes) -> ImageHeader:
    chunk = head[12:16]
    if chunk == b"VP8 ":
        # Lossy: a 10-byte frame header, then 14-bit width and height.
        if head[23:26] != b"\x9d\x01\x2a":
            raise ValueError("bad VP8 start code")
        width, height = struct.unpack("<HH", head[26:30])
        return ImageHeader("webp", width & 0x3FFF, height & 0x3FFF)
    if chunk == b"VP8L":
        if head[20] != 0x2F:
            raise ValueError("bad VP8L signature")
        bits = int.from_bytes(head[21:25], "little")
        return ImageHeader("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if chunk == b"VP8X":
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
        return ImageHeader("webp", width, height)
    raise ValueError(f"unknown WebP chunk {chunk!r}")


def _jpeg(fh) -> ImageHeader:
    fh.seek(2)
    while True:
        byte = fh.read(1)
        if not byte:
            raise ValueError("no frame header before the end of the file")
        if byte != b"\xff":
            continue
        marker = fh.read(1)
        while marker == b"\xff":  # fill bytes
            marker = fh.read(1)
        if not marker:
            raise ValueError("file ends inside a marker")
        code = marker[0]
        if code in (0x01, 0xD8) or 0xD0 <= code <= 0xD7:
            continue  # markers without a length
        (length,) = struct.unpack(">H", fh.read(2))
        if code in _SOF_MARKERS:
            depth, height, width = struct.unpack(">BHH", fh.read(5))
            return ImageHeader("jpeg", width, height, depth)
        if length < 2:
            raise ValueError("segment length below 2")
        fh.seek(length - 2, 1)

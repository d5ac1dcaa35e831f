"""Make the bad-media corpus in tests/data/bad_media/ (run from the repository root).

    .venv/bin/python tests/data/make_bad_media.py

Every file is tiny and made from scratch here, so the corpus can be rebuilt and checked by
reading this script. tests/media/test_media_bad_files.py names the error each one must give.
"""

from __future__ import annotations

import struct
import sys
import zlib
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from studio.media import write_video

OUT = Path(__file__).resolve().parent / "bad_media"


def frames(count: int, height: int = 48, width: int = 64) -> np.ndarray:
    """Gradients that step with the frame: they compress well, so the corpus stays small."""
    ramp = np.linspace(0, 255, width, dtype=np.uint8)[None, None, :, None]
    steps = (np.arange(count, dtype=np.uint8) * 20)[:, None, None, None]
    return np.broadcast_to(ramp + steps, (count, height, width, 3)).copy()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def tiny_png(width: int, height: int) -> bytes:
    """A valid PNG header of any claimed size; the pixel data is one short row only."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" + b"\x80" * 12)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


def real_png() -> bytes:
    import cv2

    ok, data = cv2.imencode(".png", frames(1, 24, 32)[0])
    assert ok
    return data.tobytes()


def huge_mkv(path: Path, claimed: int) -> None:
    """An FFV1 Matroska file whose header claims `claimed` x `claimed` pixels.

    Written at 320x256 (both sizes stored as two-byte EBML integers), then the PixelWidth
    (0xB0) and PixelHeight (0xBA) elements are patched in place.
    """
    write_video(path, frames(2, 256, 320), 24)
    data = bytearray(path.read_bytes())
    for element, value in ((b"\xb0\x82", 320), (b"\xba\x82", 256)):
        needle = element + value.to_bytes(2, "big")
        at = data.find(needle)
        assert at > 0, f"no {needle!r} in the Matroska header"
        data[at + 2 : at + 4] = claimed.to_bytes(2, "big")
    path.write_bytes(bytes(data))


def audio_only(path: Path, codec: str, rate: int) -> None:
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        samples = (np.sin(np.arange(rate // 10) * 0.2) * 8000).astype(np.int16)
        fmt = "s16" if codec.startswith("pcm") else "fltp"
        data = samples[None, :] if fmt == "s16" else (samples / 32768).astype(np.float32)[None]
        frame = av.AudioFrame.from_ndarray(data, format=fmt, layout="mono")
        frame.sample_rate = rate
        frame.pts = 0
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.iterdir():
        old.unlink()
    (OUT / "zero_bytes.mp4").write_bytes(b"")
    (OUT / "garbage.mov").write_bytes(np.random.default_rng(9).bytes(4096))
    (OUT / "huge_header.png").write_bytes(tiny_png(100_000, 100_000))
    # Past our limit (144 megapixels), and past what FFmpeg itself will open (4 gigapixels).
    huge_mkv(OUT / "huge_header.mkv", 12_000)
    huge_mkv(OUT / "impossible_header.mkv", 65_535)
    audio_only(OUT / "audio_only.wav", "pcm_s16le", 8000)
    audio_only(OUT / "audio_only.m4a", "aac", 16000)

    # Truncated: an H.264 MP4 with its index first, cut at 85% (the first frames play, the
    # last are gone), and a ProRes MOV with its index last, cut in half (no index at all).
    scratch = OUT / "scratch"
    scratch.mkdir()
    for name, keep in (("truncated_frames.mp4", 0.85), ("truncated_index.mov", 0.5)):
        full = write_video(scratch / name, frames(12), Fraction(24000, 1001))
        data = full.read_bytes()
        (OUT / name).write_bytes(data[: int(len(data) * keep)])
        full.unlink()
    # Wrong extensions: judged by content, these import as what they really are.
    (OUT / "png_named.mp4").write_bytes(real_png())
    mp4 = write_video(scratch / "clip.mp4", frames(3), 24)
    (OUT / "mp4_named.png").write_bytes(mp4.read_bytes())
    mp4.unlink()
    scratch.rmdir()
    total = sum(p.stat().st_size for p in OUT.iterdir())
    print(f"wrote {len(list(OUT.iterdir()))} files, {total / 1024:.0f} KiB, to {OUT}")


if __name__ == "__main__":
    main()

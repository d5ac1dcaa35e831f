"""Untrusted files: the bad-media corpus, limits from the header, and a decoder that crashes."""

import ctypes
import functools
import os
import re
import time
from pathlib import Path

import pytest

from studio.core.errors import BadInput
from studio.core.model import MediaKind
from studio.media import MediaLimits, safe_probe, write_video

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad_media"

BAD = [
    ("zero_bytes.mp4", "zero_bytes.mp4 is empty (0 bytes)"),
    ("garbage.mov", "garbage.mov is not a video or image file the studio can read"),
    ("truncated_frames.mp4", "truncated_frames.mp4 is truncated: its header promises 12 frames"),
    ("truncated_index.mov", "truncated_index.mov looks like a MOV file but is damaged or truncated"),
    ("huge_header.png", "huge_header.png claims 100000x100000 pixels, more than the 67,108,864"),
    ("huge_header.mkv", "huge_header.mkv claims 12000x12000 pixels, more than the 67,108,864"),
    ("impossible_header.mkv", "impossible_header.mkv claims 65535x65535 pixels"),
    ("audio_only.wav", "audio_only.wav has no video stream (it holds only audio)"),
    ("audio_only.m4a", "audio_only.m4a has no video stream (it holds only audio)"),
]


def test_corpus_is_small_and_complete():
    files = {p.name for p in CORPUS.iterdir()}
    assert files == {name for name, _ in BAD} | {"png_named.mp4", "mp4_named.png"}
    assert sum(p.stat().st_size for p in CORPUS.iterdir()) < 200_000


@pytest.mark.parametrize("name, message", BAD, ids=[name for name, _ in BAD])
def test_bad_file_gives_its_clear_error(name, message):
    with pytest.raises(BadInput) as caught:
        safe_probe(CORPUS / name)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_files_are_judged_by_content_not_extension():
    image = safe_probe(CORPUS / "png_named.mp4")
    assert (image.kind, image.ext, image.width, image.height) == (MediaKind.IMAGE, ".png", 32, 24)
    video = safe_probe(CORPUS / "mp4_named.png")
    assert (video.kind, video.ext, video.codec, video.frames) == (MediaKind.VIDEO, ".mp4",
                                                                   "h264", 3)


def test_good_video_passes_with_exact_details(tmp_path, frames_factory):
    path = write_video(tmp_path / "clip.mov", frames_factory(6), 24, start_timecode="00:59:50:00")
    info = safe_probe(path)
    assert (info.kind, info.codec, info.frames, info.rate) == (MediaKind.VIDEO, "prores", 6, 24)
    assert info.start_timecode == "00:59:50:00"


@pytest.mark.parametrize(
    "limits, message",
    [
        (MediaLimits(max_pixels=64 * 47), "claims 64x48 pixels, more than the 3,008 pixels"),
        (MediaLimits(max_duration_s=0.2), "lasts 0.4 s, longer than the 0.2 s the studio"),
        (MediaLimits(max_file_bytes=100), "more than the 100 bytes the studio imports"),
    ],
    ids=["pixels", "duration", "file size"],
)
def test_limits_are_enforced(tmp_path, frames_factory, limits, message):
    path = write_video(tmp_path / "clip.mkv", frames_factory(10), 24)
    with pytest.raises(BadInput, match=re.escape(message)):
        safe_probe(path, limits=limits)


@pytest.mark.parametrize(
    "hook, message",
    [
        (os.abort, "crashed the media decoder while it was being checked (signal SIGABRT)"),
        (functools.partial(ctypes.string_at, 0),
         "crashed the media decoder while it was being checked (signal SIGSEGV)"),
    ],
    ids=["abort", "segfault"],
)
def test_a_crashing_decoder_does_not_take_the_caller_down(tmp_path, frames_factory, hook,
                                                          message):
    path = write_video(tmp_path / "clip.mkv", frames_factory(2), 24)
    with pytest.raises(BadInput, match=re.escape(message)):
        safe_probe(path, _child_hook=hook)
    # Still here, and the next file probes normally.
    assert safe_probe(path).frames == 2


def test_a_hanging_decoder_is_stopped(tmp_path, frames_factory):
    path = write_video(tmp_path / "clip.mkv", frames_factory(2), 24)
    with pytest.raises(BadInput, match=r"clip.mkv took more than 1 s to check and was stopped"):
        safe_probe(path, limits=MediaLimits(timeout_s=1), _child_hook=functools.partial(
            time.sleep, 60))


def test_missing_file():
    with pytest.raises(BadInput, match="does not exist"):
        safe_probe(CORPUS / "no_such_file.mp4")

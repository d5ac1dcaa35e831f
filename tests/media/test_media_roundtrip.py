"""write_video -> probe/read_frames: codec, exact rate, count, timecode, metadata, pixels."""

from fractions import Fraction

import numpy as np
import pytest

from studio.core.errors import BadInput
from studio.core.model import MediaKind
from studio.media import (
    available_codecs,
    load_image,
    probe,
    read_frames,
    write_png_sequence,
    write_video,
)

NTSC_FILM = Fraction(24000, 1001)
NTSC_VIDEO = Fraction(30000, 1001)

# name, extension, codec asked for, codec read back, pixel format, min PSNR (dB) measured on
# these frames with a margin: h264 crf16 gave 38.9, ProRes HQ 41.5, DNxHR HQ 45.1.
CASES = [
    ("h264", ".mp4", None, "h264", "yuv420p", 34.0),
    ("prores", ".mov", None, "prores", "yuv422p10le", 37.0),
    ("dnxhr", ".mov", "dnxhr", "dnxhd", "yuv422p", 40.0),
    ("ffv1", ".mkv", None, "ffv1", "bgr0", float("inf")),
]


@pytest.mark.parametrize("rate", [NTSC_FILM, NTSC_VIDEO, Fraction(25)], ids=["23.976", "29.97", "25"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_round_trip(tmp_path, frames_factory, psnr_of, case, rate):
    _, ext, codec, codec_read, pix_fmt, min_psnr = case
    # DNxHR HQ refuses frames under 256x120.
    frames = frames_factory(7, 128, 256) if codec == "dnxhr" else frames_factory(7)
    recipe = '{"prompt": "a lighthouse at dusk", "seed": 7}'
    path = write_video(tmp_path / f"take{ext}", frames, rate, codec=codec,
                       metadata={"studio_recipe": recipe}, start_timecode="01:00:00:00")

    info = probe(path)
    assert info.kind is MediaKind.VIDEO
    assert info.codec == codec_read
    assert info.pix_fmt == pix_fmt
    assert info.rate == rate and isinstance(info.rate, Fraction)
    assert info.frames == 7
    assert info.duration_s == pytest.approx(float(7 / rate))
    assert (info.width, info.height) == (frames.shape[2], frames.shape[1])
    assert info.start_timecode == "01:00:00:00"
    assert info.metadata["studio_recipe"] == recipe
    assert info.ext == ext

    decoded = read_frames(path)
    assert decoded.shape == frames.shape and decoded.dtype == np.uint8
    assert psnr_of(decoded, frames) >= min_psnr
    if codec_read == "ffv1":
        assert np.array_equal(decoded, frames)


def test_prores_profile_is_422_hq(tmp_path, frames_factory):
    import av

    path = write_video(tmp_path / "a.mov", frames_factory(2), 24)
    with av.open(str(path)) as container:
        assert container.streams.video[0].codec_context.profile == "HQ"


@pytest.mark.parametrize("ext", [".mp4", ".mov", ".mkv"])
@pytest.mark.parametrize("start", [0, 1, 6, 13, 19])
def test_read_frames_is_frame_accurate(tmp_path, frames_factory, nearest_of, ext, start):
    frames = frames_factory(20)
    # A short keyframe interval is not set: h264 has one keyframe and B-frames here, so every
    # start but 0 needs decoding forward from that keyframe.
    path = write_video(tmp_path / f"clip{ext}", frames, NTSC_FILM)
    got = read_frames(path, start, 1)
    assert got.shape == (1, 48, 64, 3)
    assert nearest_of(got[0], frames) == start
    run = read_frames(path, start, min(3, 20 - start))
    assert [nearest_of(f, frames) for f in run] == list(range(start, start + len(run)))


def test_read_frames_resizes_and_refuses_past_the_end(tmp_path, frames_factory):
    path = write_video(tmp_path / "clip.mkv", frames_factory(5), 24)
    assert read_frames(path, 2, 2, size=(32, 24)).shape == (2, 24, 32, 3)
    with pytest.raises(BadInput, match="has no frames 5..5"):
        read_frames(path, 3, 3)


def test_image_reads_as_one_frame(tmp_path, frames_factory):
    frame = frames_factory(1)[0]
    (png,) = write_png_sequence(tmp_path / "seq", [frame])
    assert np.array_equal(read_frames(png), frame[None])
    assert np.array_equal(load_image(png), frame)
    info = probe(png)
    assert (info.kind, info.frames, info.width, info.height) == (MediaKind.IMAGE, 1, 64, 48)


def test_png_sequence_names_and_content(tmp_path, frames_factory):
    frames = frames_factory(3)
    paths = write_png_sequence(tmp_path, frames, start_number=86400, name="shot")
    assert [p.name for p in paths] == ["shot_086400.png", "shot_086401.png", "shot_086402.png"]
    assert all(np.array_equal(load_image(p), f) for p, f in zip(paths, frames))
    assert sorted(p.name for p in tmp_path.iterdir()) == [p.name for p in paths]


@pytest.mark.parametrize(
    "name, kwargs, frames_shape, message",
    [
        ("a.mp4", {}, (2, 47, 64, 3), "h264 needs an even width and height, not 64x47"),
        ("a.mov", {"codec": "dnxhr"}, (2, 48, 64, 3), "dnxhr needs frames of at least 256x120"),
        ("a.avi", {}, (2, 48, 64, 3), "use a .mp4, .mov or .mkv name"),
        ("a.mp4", {"codec": "prores"}, (2, 48, 64, 3), "prores cannot go in a .mp4 file"),
        ("a.mov", {"start_timecode": "01:00:00:30"}, (2, 48, 64, 3), "is not a timecode"),
        ("a.mov", {}, (0, 48, 64, 3), "there are no frames to write"),
    ],
)
def test_bad_requests_fail_clearly_and_leave_nothing(tmp_path, name, kwargs, frames_shape,
                                                     message):
    frames = np.zeros(frames_shape, np.uint8)
    with pytest.raises(BadInput, match=message):
        write_video(tmp_path / name, frames, 24, **kwargs)
    assert list(tmp_path.iterdir()) == []


def test_failure_midway_leaves_no_file(tmp_path, frames_factory):
    good = list(frames_factory(3))
    bad = good + [np.zeros((10, 10, 3), np.uint8)]
    with pytest.raises(BadInput, match="frame 3 is 10x10 but the first frame is 64x48"):
        write_video(tmp_path / "a.mov", bad, 24)
    assert list(tmp_path.iterdir()) == []


def test_existing_file_survives_a_failed_rewrite(tmp_path, frames_factory):
    path = write_video(tmp_path / "a.mkv", frames_factory(3), 24)
    before = path.read_bytes()
    with pytest.raises(BadInput):
        write_video(path, [frames_factory(1)[0], np.zeros((2, 2, 3), np.uint8)], 24)
    assert path.read_bytes() == before


# MPEG-TS cannot seek back to its start: a seek there overshoots and decoding restarts.
@pytest.mark.parametrize("container_ext", [".mp4", ".mkv", ".ts"])
def test_frame_accurate_across_many_keyframes(tmp_path, frames_factory, nearest_of,
                                              container_ext):
    """A camera-style file: a keyframe every 5 frames, B-frames, 30000/1001. Every start
    (on, just after, and just before a keyframe) gives exactly that frame."""
    import av

    frames = frames_factory(23)
    path = tmp_path / f"camera{container_ext}"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=NTSC_VIDEO)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = {"g": "5", "bf": "2", "crf": "12"}
        for index, array in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(array, format="rgb24")
            frame.pts = index
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    assert probe(path).frames == 23 and probe(path).rate == NTSC_VIDEO
    for start in (0, 4, 5, 6, 9, 10, 11, 17, 22):
        assert nearest_of(read_frames(path, start, 1)[0], frames) == start
    tail = read_frames(path, 19)
    assert [nearest_of(f, frames) for f in tail] == [19, 20, 21, 22]


def test_frames_can_stream_from_a_generator_and_draft_is_smaller(tmp_path, frames_factory):
    frames = frames_factory(8)
    high = write_video(tmp_path / "high.mp4", (f for f in frames), 24)
    draft = write_video(tmp_path / "draft.mp4", iter(frames), 24, quality="draft")
    assert probe(high).frames == probe(draft).frames == 8
    assert draft.stat().st_size < high.stat().st_size
    assert hash(probe(high)) == hash(probe(high))


def test_every_codec_is_available_in_this_build():
    assert available_codecs() == {"h264": True, "prores": True, "dnxhr": True, "ffv1": True}

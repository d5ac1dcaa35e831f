"""VideoWriter, the one encoder: streamed frames, an atomic commit, nothing left on abort."""

from fractions import Fraction

import numpy as np
import pytest

from studio.core.errors import BadInput
from studio.media import VideoWriter, decode_frames, probe, read_frames, write_video


def test_streamed_frames_commit_at_close_with_drop_frame_timecode(tmp_path, frames_factory):
    frames = frames_factory(4)
    path = tmp_path / "take.mov"
    with VideoWriter(path, Fraction(30000, 1001), size=(64, 48),
                     start_timecode="01:00:00;02", metadata={"studio": {"seed": 7}}) as writer:
        for frame in frames:
            writer.write(frame)
        writer.write(None)  # black, as in a gap
        assert not path.exists()  # only the temporary exists until close
    info = probe(path)
    assert (info.codec, info.frames, info.rate) == ("prores", 5, Fraction(30000, 1001))
    assert info.start_timecode == "01:00:00;02"
    assert info.metadata["studio"] == '{"seed": 7}'
    decoded = read_frames(path)
    assert decoded[4].max() <= 16 and np.abs(decoded[:4].astype(int) - frames).mean() < 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["take.mov"]


def test_abort_keeps_the_old_file_and_removes_the_temporary(tmp_path, frames_factory):
    path = write_video(tmp_path / "take.mkv", frames_factory(2), 24)
    before = path.read_bytes()
    with pytest.raises(RuntimeError), VideoWriter(path, 24) as writer:
        writer.write(frames_factory(1)[0])
        raise RuntimeError("cancelled")
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["take.mkv"]


def test_decoded_frames_of_another_size_are_scaled(tmp_path, frames_factory):
    source = write_video(tmp_path / "small.mkv", frames_factory(3, 24, 32), 24)
    out = tmp_path / "big.mp4"
    with VideoWriter(out, 24, size=(64, 48)) as writer:
        for frame in decode_frames(source, 1, 2):
            writer.write(frame)
    assert read_frames(out).shape == (2, 48, 64, 3)


def test_png_sequence_is_one_folder_written_whole(tmp_path, frames_factory):
    out = tmp_path / "cut"
    with VideoWriter(out, 24, codec="png") as writer:
        for frame in frames_factory(3):
            writer.write(frame)
    names = sorted(p.name for p in out.iterdir())
    assert names == ["cut.000000.png", "cut.000001.png", "cut.000002.png"]
    assert np.array_equal(read_frames(out / names[2])[0], frames_factory(3)[2])


def test_odd_width_is_refused_for_422_before_anything_is_written(tmp_path):
    with pytest.raises(BadInput, match="prores needs an even width, not 65x48"):
        VideoWriter(tmp_path / "a.mov", 24, size=(65, 48))
    assert list(tmp_path.iterdir()) == []

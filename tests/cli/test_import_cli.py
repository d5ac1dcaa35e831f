"""`studio import PROJECT FILE...` on a real bundle, as a user runs it."""

import hashlib
from pathlib import Path

import numpy as np
import pytest

from studio.cli import main
from studio.core import bundle
from studio.core.model import MediaKind
from studio.media import read_frames, write_png_sequence, write_video

CORPUS = Path(__file__).resolve().parents[1] / "data" / "bad_media"
NTSC = 24000 / 1001


@pytest.fixture
def project_dir(tmp_path):
    root = tmp_path / "Film.studio"
    bundle.create_project(root, "Film")
    return root


@pytest.fixture
def footage(tmp_path):
    ramp = np.linspace(0, 255, 64, dtype=np.uint8)
    frames = np.stack([np.broadcast_to(ramp[None, :, None] // (i + 1), (48, 64, 3)).copy()
                       for i in range(6)])
    from fractions import Fraction

    clip = write_video(tmp_path / "in" / "Beach Take 3.mkv", frames, Fraction(24000, 1001))
    (still,) = write_png_sequence(tmp_path / "in", frames[:1], name="poster")
    return clip, still, frames


def test_import_video_and_image(project_dir, footage, capsys):
    clip, still, frames = footage
    assert main(["import", str(project_dir), str(clip), str(still)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("imported Beach Take 3.mkv: video 64x48, 6 frames at 24000/1001 fps")
    # The project is at 24 fps: the user is told the footage will not keep its speed.
    assert out[1] == ("note: 24000/1001 fps footage in a 24 fps project plays frame for frame, "
                      "at 100.1% of its speed (clips are not retimed)")
    assert out[2].startswith("imported poster_000000.png: image 64x48")

    project = bundle.load_project(project_dir)
    video, image = project.media
    digest = hashlib.sha256(clip.read_bytes()).hexdigest()
    assert video.path == f"media/{digest[:16]}.mkv"
    assert (video.name, video.kind, video.frames, video.rate) == (
        "Beach Take 3.mkv", MediaKind.VIDEO, 6, pytest.approx(NTSC))
    assert video.rate.denominator == 1001
    assert (image.kind, image.frames, image.width, image.height) == (MediaKind.IMAGE, 1, 64, 48)
    # The stored copy is the footage, frame for frame.
    assert np.array_equal(read_frames(project_dir / video.path), frames)


def test_footage_at_the_project_rate_gets_no_note(project_dir, tmp_path, capsys):
    from fractions import Fraction

    frames = np.zeros((3, 16, 16, 3), np.uint8)
    clip = write_video(tmp_path / "same.mp4", frames, Fraction(24))
    assert main(["import", str(project_dir), str(clip)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 and out[0].startswith("imported same.mp4: video 16x16, 3 frames at 24 fps")


def test_importing_the_same_footage_twice_stores_it_once(project_dir, footage, capsys):
    clip, _, _ = footage
    assert main(["import", str(project_dir), str(clip)]) == 0
    assert main(["import", str(project_dir), str(clip)]) == 0
    assert "is already in the project as Beach Take 3.mkv" in capsys.readouterr().out
    assert len(bundle.load_project(project_dir).media) == 1
    assert len(list((project_dir / "media").iterdir())) == 1


# One of each kind of failure; tests/media/test_media_bad_files.py runs the whole corpus
# through safe_probe, which is the route `studio import` takes.
BAD = [
    ("zero_bytes.mp4", "is empty (0 bytes)"),
    ("garbage.mov", "is not a video or image file the studio can read"),
    ("truncated_frames.mp4", "is truncated: its header promises 12 frames"),
    ("huge_header.png", "claims 100000x100000 pixels"),
    ("audio_only.m4a", "has no video stream (it holds only audio)"),
]


@pytest.mark.parametrize("name, message", BAD, ids=[name for name, _ in BAD])
def test_bad_file_gives_one_line_exit_2_and_adds_nothing(project_dir, capsys, name, message):
    before = (project_dir / "project.json").read_bytes()
    assert main(["import", str(project_dir), str(CORPUS / name)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"error: {name} {message}" + captured.err.split(message, 1)[1]
    assert captured.err.count("\n") == 1
    assert (project_dir / "project.json").read_bytes() == before
    assert list((project_dir / "media").iterdir()) == []


def test_good_files_go_in_beside_a_bad_one(project_dir, footage, capsys):
    clip, still, _ = footage
    code = main(["import", str(project_dir), str(clip), str(CORPUS / "garbage.mov"), str(still)])
    assert code == 2
    assert capsys.readouterr().err.startswith("error: garbage.mov is not a video")
    assert [m.name for m in bundle.load_project(project_dir).media] == [
        "Beach Take 3.mkv", "poster_000000.png"]


def test_wrong_extension_is_stored_under_the_right_one(project_dir):
    assert main(["import", str(project_dir), str(CORPUS / "png_named.mp4"),
                 str(CORPUS / "mp4_named.png")]) == 0
    image, video = bundle.load_project(project_dir).media
    assert image.kind is MediaKind.IMAGE and image.path.endswith(".png")
    assert video.kind is MediaKind.VIDEO and video.path.endswith(".mp4")


def test_not_a_project(tmp_path, footage, capsys):
    clip, _, _ = footage
    assert main(["import", str(tmp_path / "nowhere"), str(clip)]) == 2
    assert "is not a project" in capsys.readouterr().err

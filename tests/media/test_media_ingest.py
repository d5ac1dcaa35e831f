"""import_media: safe probe, content-addressed copy into the bundle, never overwriting."""

import hashlib
from fractions import Fraction

import pytest

from studio.core.errors import BadInput
from studio.core.model import MediaKind, Project
from studio.media import import_media, write_png_sequence, write_video


@pytest.fixture
def bundle_dir(tmp_path):
    root = tmp_path / "P.studio"
    (root / "media").mkdir(parents=True)
    return root


def test_import_copies_under_the_content_name(tmp_path, bundle_dir, frames_factory):
    clip = write_video(tmp_path / "My Clip.mov", frames_factory(4), Fraction(30000, 1001))
    digest = hashlib.sha256(clip.read_bytes()).hexdigest()
    seen = []
    item = import_media(Project(), bundle_dir, clip, progress=lambda d, t: seen.append((d, t)))
    assert item.path == f"media/{digest[:16]}.mov"
    assert (bundle_dir / item.path).read_bytes() == clip.read_bytes()
    assert (item.name, item.kind, item.frames, item.rate, item.width, item.height) == (
        "My Clip.mov", MediaKind.VIDEO, 4, Fraction(30000, 1001), 64, 48)
    assert not item.generated
    assert seen[-1] == (clip.stat().st_size, clip.stat().st_size)
    # Nothing but the one file: no temporary copies left over.
    assert [p.name for p in (bundle_dir / "media").iterdir()] == [f"{digest[:16]}.mov"]


def test_a_still_takes_the_project_rate(tmp_path, bundle_dir, frames_factory):
    (png,) = write_png_sequence(tmp_path, frames_factory(1))
    item = import_media(Project(rate=Fraction(25)), bundle_dir, png)
    assert (item.kind, item.frames, item.rate) == (MediaKind.IMAGE, 1, Fraction(25))


def test_same_content_returns_the_existing_item(tmp_path, bundle_dir, frames_factory):
    clip = write_video(tmp_path / "a.mkv", frames_factory(3), 24)
    project = Project()
    first = import_media(project, bundle_dir, clip)
    project.media.append(first)
    again = import_media(project, bundle_dir, tmp_path / "a.mkv")
    assert again is first
    assert len(list((bundle_dir / "media").iterdir())) == 1


def test_a_different_file_under_the_name_is_never_overwritten(tmp_path, bundle_dir,
                                                               frames_factory):
    clip = write_video(tmp_path / "a.mkv", frames_factory(3), 24)
    digest = hashlib.sha256(clip.read_bytes()).hexdigest()
    squatter = bundle_dir / "media" / f"{digest[:16]}.mkv"
    squatter.write_bytes(b"something else")
    item = import_media(Project(), bundle_dir, clip)
    assert item.path == f"media/{digest}.mkv"
    assert squatter.read_bytes() == b"something else"


def test_a_bad_file_copies_nothing(tmp_path, bundle_dir):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00" * 1000)
    with pytest.raises(BadInput, match="bad.mp4 is not a video or image file"):
        import_media(Project(), bundle_dir, bad)
    assert list((bundle_dir / "media").iterdir()) == []

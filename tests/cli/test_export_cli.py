"""`studio export` as a user runs it: every format from a saved project, bad input refused."""

from __future__ import annotations

import sys
from pathlib import Path

import opentimelineio as otio
import pytest

from studio.cli import main
from studio.core import bundle

sys.path.insert(0, str(Path(__file__).parents[1] / "interchange"))
from interchange_project import build_project, close, decode


@pytest.fixture
def saved(tmp_path: Path):
    built = build_project(tmp_path)
    bundle.save_project(built.project, built.bundle)
    return built


@pytest.mark.parametrize(
    ("fmt", "name"),
    [("otio", "cut.otio"), ("fcp7", "cut.xml"), ("fcpx", "cut.fcpxml"), ("edl", "cut.edl"),
     ("aaf", "cut.aaf")],
)
def test_every_timeline_format(saved, tmp_path: Path, capsys, fmt: str, name: str) -> None:
    out = tmp_path / name
    assert main(["export", str(saved.bundle), "--format", fmt, "--out", str(out)]) == 0
    printed = capsys.readouterr().out.split()
    assert printed and all(Path(p).exists() for p in printed)


def test_collected_media_and_render(saved, tmp_path: Path, capsys) -> None:
    out = tmp_path / "deliver" / "cut.xml"
    out.parent.mkdir()
    args = ["export", str(saved.bundle), "-f", "fcp7", "-o", str(out), "--media-format", "h264"]
    assert main(args) == 0
    assert sorted(p.name for p in (out.parent / "cut_media").iterdir()) == \
        ["chase.mp4", "opening.mp4", "street.mp4"]
    timeline = otio.adapters.read_from_file(str(out))
    assert {c.media_reference.target_url for c in timeline.find_clips()} == \
        {"cut_media/opening.mp4", "cut_media/chase.mp4", "cut_media/street.mp4"}

    render = tmp_path / "cut.mov"
    assert main(["export", str(saved.bundle), "-f", "render-prores", "-o", str(render)]) == 0
    got = decode(render)
    assert got.codec == "prores" and len(got.colours) == saved.project.timeline.duration
    assert all(close(c, saved.expected_frame(n)) for n, c in enumerate(got.colours))


def test_bad_input_exits_2_with_one_line(saved, tmp_path: Path, capsys) -> None:
    out = tmp_path / "cut.mp4"
    assert main(["export", str(saved.bundle), "-f", "render-prores", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and ".mov" in err
    assert not out.exists()
    missing = tmp_path / "nowhere" / "cut.otio"
    assert main(["export", str(saved.bundle), "-f", "otio", "-o", str(missing)]) == 2
    assert main(["export", str(tmp_path / "No.studio"), "-f", "otio", "-o", "x.otio"]) == 2

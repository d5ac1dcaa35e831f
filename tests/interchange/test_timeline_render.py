"""A whole-timeline render, decoded: frame N of the file is frame N of the timeline."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from interchange_project import build_project, close, decode, nearest, palette

from studio.core.errors import BadInput
from studio.core.model import Project, Timeline, Track
from studio.interchange.export import export_render
from studio.interchange.render import plan_runs


@pytest.mark.parametrize(
    ("rate", "fmt", "suffix", "codec", "profile", "timecode"),
    [
        (Fraction(24), "prores", ".mov", "prores", "HQ", "00:00:00:00"),
        (Fraction(30000, 1001), "prores", ".mov", "prores", "HQ", "00:00:00;00"),
        (Fraction(25), "h264", ".mp4", "h264", "High", "00:00:00:00"),
    ],
)
def test_render_is_frame_accurate(tmp_path: Path, rate, fmt, suffix, codec, profile, timecode):
    built = build_project(tmp_path, rate)
    out = tmp_path / f"cut{suffix}"
    export_render(built.project, built.bundle, out, fmt)
    got = decode(out)
    assert (got.codec, got.profile, got.rate, got.timecode) == (codec, profile, rate, timecode)
    duration = built.project.timeline.duration
    assert len(got.colours) == duration
    for n in range(duration):
        assert close(got.colours[n], built.expected_frame(n)), f"frame {n}"
    studio = json.loads(got.metadata["studio"])
    assert studio["kind"] == "render"
    assert {c["shot"] for c in studio["clips"]} == {"Opening", "Chase", None}


def test_top_track_wins_and_gaps_are_black(built) -> None:
    runs = plan_runs(built.project)
    street = built.project.timeline.tracks[1].items[1]
    # V2's clip covers frames 4..6, over the end of V1's first clip and its gap.
    assert [(r.start, r.count, r.clip.name if r.clip else None) for r in runs] == [
        (0, 4, "Opening"),
        (4, 3, street.name),
        (7, 1, None),
        (8, 6, "Chase"),
        (14, 4, "Opening"),
    ]


def test_sources_of_another_size_are_scaled(tmp_path: Path) -> None:
    built = build_project(tmp_path, odd_size_media=True)
    out = tmp_path / "cut.mov"
    export_render(built.project, built.bundle, out)
    got = decode(out)
    for n in range(4, 7):  # the 48x40 clip
        assert close(got.colours[n], built.expected_frame(n))


def test_dnxhr_render(tmp_path: Path) -> None:
    built = build_project(tmp_path, size=(256, 128))
    out = tmp_path / "cut.mov"
    export_render(built.project, built.bundle, out, "dnxhr")
    got = decode(out)
    assert got.codec == "dnxhd" and got.profile == "DNXHR HQ"
    assert len(got.colours) == built.project.timeline.duration
    # DNxHR (8-bit) moves flat colours more than ProRes does: check each frame is
    # nearest to its own colour among every colour the media holds.
    colours = palette()
    assert all(nearest(c, colours) == built.expected_frame(n) for n, c in enumerate(got.colours))


def test_png_sequence_render(built, tmp_path: Path) -> None:
    out = tmp_path / "cut_frames"
    export_render(built.project, built.bundle, out, "png")
    got = decode(out)
    names = sorted(p.name for p in out.iterdir())
    assert names[0] == "cut_frames.000000.png"
    assert len(got.colours) == built.project.timeline.duration
    assert all(close(c, built.expected_frame(n)) for n, c in enumerate(got.colours))


def test_dnxhr_refuses_tiny_pictures(built, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="at least 256x120"):
        export_render(built.project, built.bundle, tmp_path / "cut.mov", "dnxhr")
    assert list(tmp_path.glob("*.mov")) == [] and not any(tmp_path.glob(".cut*"))


def test_empty_timeline_is_refused(built, tmp_path: Path) -> None:
    empty = Project(name="Empty", timeline=Timeline(tracks=[Track("V1")]))
    with pytest.raises(BadInput, match="empty"):
        export_render(empty, built.bundle, tmp_path / "cut.mov")


def test_wrong_suffix_is_refused(built, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match=r"\.mov file"):
        export_render(built.project, built.bundle, tmp_path / "cut.mp4", "prores")

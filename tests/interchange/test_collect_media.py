"""Collected media: beside the timeline, in the asked codec, pointed at by relative path."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from urllib.parse import unquote

import opentimelineio as otio
import pytest
from interchange_project import build_project, close, colour, decode

from studio.core.errors import BadInput
from studio.interchange.c2pa_sign import TRAINED_ALGORITHMIC_MEDIA
from studio.interchange.c2pa_verify import verify_file
from studio.interchange.export import export_timeline
from studio.interchange.reading import read_timeline


def test_fcp7_with_prores_media(tmp_path: Path) -> None:
    rate = Fraction(30000, 1001)
    built = build_project(tmp_path, rate)
    out_dir = tmp_path / "handoff"
    out_dir.mkdir()
    files = export_timeline(
        built.project, built.bundle, "fcp7", out_dir / "cut.xml", media_format="prores"
    )
    media = sorted(p.name for p in (out_dir / "cut_media").iterdir())
    assert media == ["chase.mov", "opening.mov", "street.mov"]
    assert len(files) == 4

    timeline, _ = read_timeline(out_dir / "cut.xml")
    for clip in timeline.find_clips():
        url = unquote(clip.media_reference.target_url)
        assert not Path(url).is_absolute() and url.startswith("cut_media/")
        assert (out_dir / url).is_file()

    opening = decode(out_dir / "cut_media" / "opening.mov")
    assert (opening.codec, opening.profile, opening.rate, opening.timecode) == (
        "prores",
        "HQ",
        rate,
        "00:00:00;00",
    )
    assert len(opening.colours) == 12
    assert all(close(c, colour(0, n)) for n, c in enumerate(opening.colours))
    report = verify_file(out_dir / "cut_media" / "opening.mov")
    assert report is not None and report.valid
    assert report.source_types == [TRAINED_ALGORITHMIC_MEDIA]
    assert report.recipe["seed"] == 7
    street = verify_file(out_dir / "cut_media" / "street.mov")  # imported, not generated
    assert street is not None and street.valid and "c2pa.edited" in street.actions


def test_otio_with_png_sequences(built, tmp_path: Path) -> None:
    export_timeline(built.project, built.bundle, "otio", tmp_path / "cut.otio", media_format="png")
    timeline = otio.adapters.read_from_file(str(tmp_path / "cut.otio"))
    clip = next(iter(timeline.find_clips()))
    reference = clip.media_reference
    assert isinstance(reference, otio.schema.ImageSequenceReference)
    first = tmp_path / unquote(reference.target_url_for_image_number(0))
    assert first.is_file() and first.name == "opening.000000.png"
    frames = decode(first.parent)
    assert len(frames.colours) == 12
    assert close(frames.colours[2], colour(0, 2))


def test_copied_media_keeps_its_files(built, tmp_path: Path) -> None:
    export_timeline(built.project, built.bundle, "otio", tmp_path / "cut.otio", collect=True)
    for item in built.project.media:
        copy = tmp_path / "cut_media" / Path(item.path).name
        # The same pictures; a copy that had no manifest gains one.
        assert decode(copy).colours == decode(built.bundle / item.path).colours
        assert verify_file(copy).valid
    timeline = otio.adapters.read_from_file(str(tmp_path / "cut.otio"))
    urls = {c.media_reference.target_url for c in timeline.find_clips()}
    assert urls == {"cut_media/opening.mov", "cut_media/chase.mov", "cut_media/street.mov"}


def test_png_sequences_are_refused_where_the_format_cannot_hold_them(built, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="PNG sequences"):
        export_timeline(
            built.project, built.bundle, "fcp7", tmp_path / "cut.xml", media_format="png"
        )
    assert not (tmp_path / "cut_media").exists()

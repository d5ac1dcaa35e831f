"""Every timeline format, at every editing rate, read back through OpenTimelineIO, is the cut."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path
from urllib.parse import unquote, urlparse

import opentimelineio as otio
import pytest
from interchange_project import build_project

from studio.core.errors import BadInput
from studio.core.model import Clip, Gap
from studio.core.timecode import NAMED_RATES, is_drop_frame_rate
from studio.interchange.export import export_timeline
from studio.interchange.otio_build import clip_display_name
from studio.interchange.reading import read_timeline

RATES = ["23.976", "24", "25", "29.97", "30", "50", "59.94", "60"]
SUFFIX = {"otio": ".otio", "fcp7": ".xml", "fcpx": ".fcpxml", "edl": ".edl", "aaf": ".aaf"}
# Which formats bring the studio metadata and the markers back (an EDL cannot hold the
# recipe, nor the AAF the adapter writes; the EDL reader misses drop-frame locators).
KEEPS_STUDIO = {"otio", "fcp7", "fcpx"}
KEEPS_MARKERS = {"otio", "fcp7", "fcpx", "edl", "aaf"}


def _expected(project, track) -> list[tuple]:
    rows, position = [], 0
    for item in track.items:
        if isinstance(item, Clip):
            rows.append(
                (
                    "clip",
                    clip_display_name(project, item),
                    item.source_range.start,
                    item.duration,
                    position,
                )
            )
        else:
            rows.append(("gap", item.duration, position))
        position += item.duration
    while rows and rows[-1][0] == "gap":
        rows.pop()
    return rows


def _read_rows(track: otio.schema.Track) -> list[tuple]:
    rows = []
    for item in track:
        place = item.range_in_parent()
        if isinstance(item, otio.schema.Clip):
            rows.append(
                (
                    "clip",
                    item.name,
                    round(item.source_range.start_time.value),
                    round(item.source_range.duration.value),
                    round(place.start_time.value),
                )
            )
        elif isinstance(item, otio.schema.Gap):
            rows.append(("gap", round(item.duration().value), round(place.start_time.value)))
    while rows and rows[-1][0] == "gap":
        rows.pop()
    return rows


@pytest.mark.parametrize("fmt", list(SUFFIX))
@pytest.mark.parametrize("rate_name", RATES)
def test_export_reads_back_as_the_cut(tmp_path: Path, fmt: str, rate_name: str) -> None:
    rate = NAMED_RATES[rate_name]
    built = build_project(tmp_path, rate)
    project = built.project
    out = tmp_path / f"cut{SUFFIX[fmt]}"
    files = export_timeline(project, built.bundle, fmt, out)

    timeline_files = files if fmt == "edl" else [out]
    assert all(f.exists() and f.stat().st_size > 0 for f in timeline_files)
    read_tracks = []
    for file in timeline_files:
        timeline, read_rate = read_timeline(file, rate)
        assert read_rate == rate
        read_tracks.extend(timeline.video_tracks())
    assert len(read_tracks) == len(project.timeline.tracks)
    for model_track, track in zip(project.timeline.tracks, read_tracks):
        assert _read_rows(track) == _expected(project, model_track)
        for item in track:
            if isinstance(item, otio.schema.Clip):
                assert item.source_range.duration.rate == pytest.approx(float(rate), abs=1e-3)

    clips = [c for t in read_tracks for c in t.find_clips()]
    model_clips = [c for t in project.timeline.tracks for c in t.clips()]
    assert len(clips) == len(model_clips)
    for clip, model_clip in zip(clips, model_clips):
        media = project.media_item(model_clip.media_id)
        url = getattr(clip.media_reference, "target_url", None) or ""
        if url:  # media references point at the project's files, by absolute path
            assert Path(unquote(urlparse(url).path)).name == Path(media.path).name
            assert Path(unquote(urlparse(url).path)).is_absolute()
        if fmt in KEEPS_STUDIO:
            studio = clip.metadata["studio"]
            assert studio["media_id"] == model_clip.media_id
            if fmt != "fcpx":  # FCPXML keeps its note per source, not per clip
                assert studio["clip_id"] == model_clip.id
            if model_clip.shot_id:
                shot = project.shot(model_clip.shot_id)
                assert studio["recipe"]["seed"] == shot.take(model_clip.take_id).recipe.seed
        keeps_markers = fmt in KEEPS_MARKERS and not (fmt == "edl" and is_drop_frame_rate(rate))
        if keeps_markers and model_clip.shot_id:
            shot_name = project.shot(model_clip.shot_id).name
            assert [m.name.lower() for m in clip.markers] == [shot_name.lower()]
            # At the clip's first frame, in its source time.
            start = clip.markers[0].marked_range.start_time
            assert round(start.value) == model_clip.source_range.start


def test_edl_has_one_file_per_track_with_reels_and_clip_names(built, tmp_path: Path) -> None:
    files = export_timeline(built.project, built.bundle, "edl", tmp_path / "cut.edl")
    assert [f.name for f in files] == ["cut_V1.edl", "cut_V2.edl"]
    text = files[0].read_text()
    assert "FCM: NON-DROP FRAME" in text
    assert "* FROM CLIP NAME:  Opening take 1" in text
    events = [line.split() for line in text.splitlines() if line[:3].isdigit()]
    assert [e[1] for e in events] == ["OPENING", "CHASE", "OPENING"]


def test_drop_frame_edl_says_so(tmp_path: Path) -> None:
    built = build_project(tmp_path, Fraction(30000, 1001))
    files = export_timeline(built.project, built.bundle, "edl", tmp_path / "cut.edl")
    text = files[0].read_text()
    assert "FCM: DROP FRAME" in text
    assert "00:00:00;08 00:00:00;14" in text  # record in/out of the second event


def test_gaps_stay_gaps_in_otio(built, tmp_path: Path) -> None:
    export_timeline(built.project, built.bundle, "otio", tmp_path / "cut.otio")
    timeline = otio.adapters.read_from_file(str(tmp_path / "cut.otio"))
    kinds = [type(i).__name__ for i in timeline.video_tracks()[0]]
    assert kinds == ["Clip", "Gap", "Clip", "Clip"]
    assert isinstance(built.project.timeline.tracks[0].items[1], Gap)


def test_unknown_format_is_refused(built, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="not a timeline format"):
        export_timeline(built.project, built.bundle, "mp3", tmp_path / "cut.mp3")


def test_sequences_carry_the_frame_size(built, tmp_path: Path) -> None:
    export_timeline(built.project, built.bundle, "fcp7", tmp_path / "cut.xml")
    fcp7 = ET.parse(tmp_path / "cut.xml").getroot()
    size = fcp7.find(".//sequence/media/video/format/samplecharacteristics")
    assert (size.findtext("width"), size.findtext("height")) == ("32", "32")
    export_timeline(built.project, built.bundle, "fcpx", tmp_path / "cut.fcpxml")
    fcpx = ET.parse(tmp_path / "cut.fcpxml").getroot()
    fmt = fcpx.find("./resources/format")
    assert (fmt.get("width"), fmt.get("height"), fmt.get("frameDuration")) == ("32", "32", "1/24s")

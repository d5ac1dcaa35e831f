"""A timeline from another suite comes in as a new track, its media relinked by name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from interchange_project import close, decode

from studio.core.bundle import create_project
from studio.core.errors import BadInput
from studio.core.model import Clip
from studio.core.undo import UndoStack
from studio.interchange.export import export_timeline
from studio.interchange.timeline_import import import_timeline


def _layout(track) -> list[tuple]:
    rows, position = [], 0
    for item in track.items:
        if isinstance(item, Clip):
            rows.append((position, item.source_range.start, item.duration))
        position += item.duration
    return rows


@pytest.mark.parametrize(
    ("fmt", "name"), [("otio", "cut.otio"), ("fcpx", "cut.fcpxml"), ("edl", "cut.edl")]
)
def test_exported_cut_imports_into_another_project(built, tmp_path: Path, fmt, name) -> None:
    handoff = tmp_path / "handoff"
    handoff.mkdir()
    files = export_timeline(built.project, built.bundle, fmt, handoff / name, media_format="prores")
    other_bundle = tmp_path / "Other.studio"
    other = create_project(other_bundle, "Other")
    other.rate = built.project.rate
    timeline_files = [f for f in files if f.suffix == Path(name).suffix]

    for file in timeline_files:
        import_timeline(other, other_bundle, file)

    new_tracks = other.timeline.tracks[1:]
    assert len(new_tracks) == len(built.project.timeline.tracks)
    for new, old in zip(new_tracks, built.project.timeline.tracks):
        assert _layout(new) == _layout(old)
    assert len(other.media) == 3
    # The relinked media is the collected media: the same pictures, frame for frame.
    first = new_tracks[0].clips()[0]
    item = other.media_item(first.media_id)
    colours = decode(other_bundle / item.path).colours
    original = decode(built.bundle / built.project.media[0].path).colours
    assert len(colours) == len(original)
    assert all(close(a, b) for a, b in zip(colours, original))


def test_reimport_into_the_same_project_keeps_takes_and_media(built, tmp_path: Path) -> None:
    out = tmp_path / "cut.otio"
    export_timeline(built.project, built.bundle, "otio", out)
    project = built.project
    stack = UndoStack(project)
    import_timeline(project, built.bundle, out, stack=stack)
    assert len(project.media) == 3  # the same files, found again by content
    copy = project.timeline.tracks[2]
    original = project.timeline.tracks[0]
    assert [(c.shot_id, c.take_id, c.name) for c in copy.clips()] == [
        (c.shot_id, c.take_id) + (n,)
        for c, n in zip(original.clips(), ["Opening take 1", "Chase take 2", "Opening take 1"])
    ]
    stack.undo()  # one step takes the whole import back
    assert len(project.timeline.tracks) == 2


def test_missing_media_is_named_and_nothing_changes(built, tmp_path: Path) -> None:
    handoff = tmp_path / "handoff"
    handoff.mkdir()
    export_timeline(built.project, built.bundle, "fcp7", handoff / "cut.xml", media_format="prores")
    moved = tmp_path / "cut.xml"
    shutil.move(handoff / "cut.xml", moved)  # the timeline without its media folder
    (tmp_path / "Cut.studio" / "media" / "opening.mov").rename(tmp_path / "gone.mov")
    tracks_before = len(built.project.timeline.tracks)
    with pytest.raises(BadInput, match="opening.mov"):
        import_timeline(built.project, built.bundle, moved)
    assert len(built.project.timeline.tracks) == tracks_before


def test_a_file_that_is_not_a_timeline_is_refused(built, tmp_path: Path) -> None:
    bad = tmp_path / "cut.edl"
    bad.write_text("this is not an edl at all\n001 what\n")
    with pytest.raises(BadInput, match="cut.edl"):
        import_timeline(built.project, built.bundle, bad)

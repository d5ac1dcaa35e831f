"""`studio import` hands timeline files to the interchange layer, and they become a track."""

from fractions import Fraction

import numpy as np
import pytest

from studio.cli import main
from studio.core import bundle
from studio.media import write_video


def test_timeline_file_becomes_a_track(tmp_path, capsys):
    pytest.importorskip("studio.interchange.timeline_import")
    import opentimelineio as otio

    root = tmp_path / "Cut.studio"
    bundle.create_project(root, "Cut")
    frames = np.zeros((12, 48, 64, 3), np.uint8)
    frames[..., 0] = np.arange(12, dtype=np.uint8)[:, None, None] * 20
    media = write_video(tmp_path / "edit" / "beach.mkv", frames, 24)

    timeline = otio.schema.Timeline(name="Edit")
    track = otio.schema.Track(name="V1")
    timeline.tracks.append(track)
    for name, start, duration in (("a", 0, 5), ("b", 6, 4)):
        track.append(otio.schema.Clip(
            name=name,
            media_reference=otio.schema.ExternalReference(target_url=media.name),
            source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(start, 24),
                                                 otio.opentime.RationalTime(duration, 24)),
        ))
    cut = tmp_path / "edit" / "cut.otio"
    otio.adapters.write_to_file(timeline, str(cut))

    assert main(["import", str(root), str(cut)]) == 0
    assert capsys.readouterr().out.startswith("imported cut.otio")
    project = bundle.load_project(root)
    new_tracks = [t for t in project.timeline.tracks if t.clips()]
    assert len(new_tracks) == 1
    clips = new_tracks[0].clips()
    assert [(c.source_range.start, c.source_range.duration) for c in clips] == [(0, 5), (6, 4)]
    assert project.rate == Fraction(24)

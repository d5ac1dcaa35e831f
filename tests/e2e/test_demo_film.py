"""`studio demo`: the whole path from storyboard to exports, with the real demo model and the
real engine host, as `make demo` runs it (one denoising step, to keep the suite quick; the
film's content at the default steps once)."""

import re

import cv2
import numpy as np
import opentimelineio as otio
import pytest

from studio.cli import main
from studio.commands.demo import STORYBOARD
from studio.core.bundle import load_project
from studio.core.model import Clip
from studio.demo.captions import DIRECTION_WORDS, SHAPE_WORDS, VERBS
from studio.demo.detect import colour_masks, detect
from studio.demo.scenes import BACKGROUND_COLOURS, SHAPE_COLOURS
from studio.engine.sources import demo_path
from studio.media import probe, read_frames

pytestmark = pytest.mark.skipif(not (demo_path() / "model_index.json").is_file(),
                                reason="the demo model is not in assets/")


def test_demo_film_from_storyboard_to_every_export(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--steps", "1"]) == 0
    project = load_project(tmp_path / "Demo.studio")
    assert [s.name for s in project.shots] == ["Opening", "Follow", "Return", "Bridge"]
    assert all(s.selected_take is not None for s in project.shots)
    items = project.timeline.tracks[0].items
    assert all(isinstance(i, Clip) for i in items), "the bridge must fill the gap exactly"
    assert [project.shot(c.shot_id).name for c in items] == ["Opening", "Follow", "Bridge",
                                                             "Return"]
    total = project.timeline.duration

    timeline = otio.adapters.read_from_file(str(tmp_path / "Demo_otio.otio"))
    assert [c.name for c in timeline.find_clips()] == [c.name for c in items]
    assert not any(isinstance(i, otio.schema.Gap) for i in timeline.tracks[0])
    for name in ("Demo_fcp7.xml", "Demo_fcpx.fcpxml", "Demo_edl.edl", "Demo_aaf.aaf"):
        assert (tmp_path / name).stat().st_size > 0, name
    for render in ("Demo.mp4", "Demo.mov"):
        info = probe(tmp_path / render)
        assert (info.frames, info.width, info.height) == (total, 64, 64)
    # the render's frames are the takes' frames, in timeline order
    first_take = project.media_item(items[0].media_id)
    take_frames = read_frames(tmp_path / "Demo.studio" / first_take.path)
    render = read_frames(tmp_path / "Demo.mov")
    assert abs(render[:17].astype(int) - take_frames.astype(int)).mean() < 6
    recipe = timeline.find_clips()[0].metadata["studio"]["recipe"]
    assert (recipe["seed"], recipe["model"], recipe["steps"]) == (11, "demo", 1)
    out = capsys.readouterr().out
    assert "Demo_aaf.aaf" in out and "Demo.mp4" in out



def _trained(words: dict) -> str:
    """A regex alternative of every training phrasing in a captions vocabulary."""
    return "|".join(re.escape(w) for train, _held in words.values() for w in train)


def test_the_storyboard_asks_only_for_what_the_demo_model_was_drawn_with():
    """A word the model never saw gets its nearest guess: "blue background" made a maroon one."""
    known = re.compile(
        rf"an? ({'|'.join(SHAPE_COLOURS)}) (?:{_trained(SHAPE_WORDS)})"
        rf"(?: (?:{'|'.join(VERBS[0])}) (?:{_trained(DIRECTION_WORDS)}))?"
        rf" on an? ({'|'.join(BACKGROUND_COLOURS)}) background"
    )
    for beat in STORYBOARD:
        assert known.fullmatch(beat.prompt), beat.prompt


def _red_shapes(frame) -> int:
    """Red blobs of a few pixels or more in one frame (the detector's colour mask)."""
    mask = colour_masks(frame[None])["red"][0].astype(np.uint8)
    _count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(mask)
    return int((stats[1:, cv2.CC_STAT_AREA] >= 4).sum())


def test_the_demo_film_tells_its_story_at_the_default_steps(tmp_path):
    """What a new user watches: one red circle going right and off screen, coming back left
    through the bridge and going on left, never two circles (the Return take of seed 13 had two,
    and a bridge with no motion in its prompt faded one out and the other in)."""
    assert main(["demo", "--out", str(tmp_path)]) == 0
    project = load_project(tmp_path / "Demo.studio")
    film = read_frames(tmp_path / "Demo.mov")
    counts = [_red_shapes(f) for f in film]
    assert max(counts) == 1, counts
    assert sum(counts) >= len(film) - 3, counts  # off screen for three frames at most
    track = project.timeline.tracks[0]
    went = {}
    for clip in track.items:
        span = track.range_in_parent(clip.id)
        went[project.shot(clip.shot_id).name] = detect(film[span.start : span.end_exclusive])
    assert went == {"Opening": ("red", "right"), "Follow": ("red", "right"),
                    "Bridge": ("red", "left"), "Return": ("red", "left")}

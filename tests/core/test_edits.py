"""Edits do what an editor expects on the timeline and the storyboard, and undo exactly."""

import copy

import pytest
from undo_checks import assert_undo_then_redo_restore

from studio.core.edits import (
    AddMedia,
    AddShot,
    AddTake,
    AddTrack,
    CloseGap,
    DeleteClip,
    EditError,
    EditShot,
    Macro,
    MoveClip,
    MoveShot,
    PlaceClip,
    RemoveMedia,
    RemoveShot,
    RemoveTrack,
    RenameShot,
    SelectTake,
    SplitClip,
    TrimClip,
    UndoStack,
)
from studio.core.model import (
    Clip,
    FrameRange,
    Gap,
    MediaItem,
    MediaKind,
    Project,
    Recipe,
    Shot,
    Take,
)


def layout(track):
    """A track as a short string: 'g3 A5 B4' = a 3-frame gap, clip A for 5, clip B for 4."""
    return " ".join(
        f"g{i.duration}" if isinstance(i, Gap) else f"{i.name}{i.duration}" for i in track.items
    )


@pytest.fixture
def project():
    p = Project(name="Edits")
    p.media.append(MediaItem("a.mkv", "media/a.mkv", frames=100))
    p.media.append(MediaItem("still.png", "media/still.png", kind=MediaKind.IMAGE))
    return p


@pytest.fixture
def stack(project):
    return UndoStack(project)


def clip(project, name, start=0, duration=10, media=0):
    return Clip(name, project.media[media].id, FrameRange(start, duration))


def test_place_overwrites_and_pads_with_a_gap(project, stack):
    track = project.timeline.tracks[0]
    stack.push(PlaceClip(track.id, clip(project, "A", duration=10), 5))
    assert layout(track) == "g5 A10"
    stack.push(PlaceClip(track.id, clip(project, "B", duration=4), 8))
    assert layout(track) == "g5 A3 B4 A3"
    right = track.items[3]
    assert right.source_range == FrameRange(7, 3)  # the tail of A keeps its own frames
    assert right.id != track.items[1].id


def test_a_gap_keeps_its_id_through_edits_elsewhere_on_its_track(project, stack):
    track = project.timeline.tracks[0]
    stack.push(PlaceClip(track.id, clip(project, "A", duration=10), 0))
    stack.push(PlaceClip(track.id, b := clip(project, "B", duration=10), 15))
    gap = track.items[1]
    assert layout(track) == "A10 g5 B10"
    stack.push(TrimClip(b.id, "end", -4))  # after the gap: the gap is the same frames
    assert layout(track) == "A10 g5 B6" and track.items[1].id == gap.id
    stack.push(PlaceClip(track.id, clip(project, "C", duration=3), 30))
    assert track.items[1].id == gap.id
    stack.push(TrimClip(b.id, "start", 2))  # the gap itself changes: a new gap
    assert layout(track) == "A10 g7 B4 g9 C3" and track.items[1].id != gap.id
    stack.undo()
    assert track.items[1].id == gap.id


def test_insert_pushes_later_clips_right(project, stack):
    track = project.timeline.tracks[0]
    stack.push(PlaceClip(track.id, clip(project, "A", duration=10), 0))
    stack.push(PlaceClip(track.id, clip(project, "B", duration=4), 6, ripple=True))
    assert layout(track) == "A6 B4 A4"
    assert track.duration == 14


def test_move_to_another_track_leaves_a_gap(project, stack):
    track = project.timeline.tracks[0]
    stack.push(PlaceClip(track.id, a := clip(project, "A"), 0))
    stack.push(PlaceClip(track.id, clip(project, "B"), 10))
    v2 = stack.push(AddTrack()).track
    stack.push(MoveClip(a.id, v2.id, 3))
    assert layout(track) == "g10 B10"
    assert layout(v2) == "g3 A10"
    assert v2.name == "V2"


def test_trim_end_into_gap_and_refused_over_a_clip(project, stack):
    track = project.timeline.tracks[0]
    stack.push(PlaceClip(track.id, a := clip(project, "A"), 0))
    stack.push(PlaceClip(track.id, clip(project, "B"), 15))
    stack.push(TrimClip(a.id, "end", 5))
    assert layout(track) == "A15 B10"
    with pytest.raises(EditError, match="cannot grow over"):
        stack.push(TrimClip(a.id, "end", 1))
    stack.push(TrimClip(a.id, "end", -3))
    assert layout(track) == "A12 g3 B10"


def test_trim_start_keeps_the_end_in_place(project, stack):
    track = project.timeline.tracks[0]
    stack.push(PlaceClip(track.id, a := clip(project, "A", start=20, duration=10), 5))
    stack.push(TrimClip(a.id, "start", -5))
    assert layout(track) == "A15"
    assert track.items[0].source_range == FrameRange(15, 15)
    stack.push(TrimClip(a.id, "start", 4))
    assert layout(track) == "g4 A11"
    assert track.range_in_parent(a.id) == FrameRange(4, 11)


def test_trim_cannot_run_past_the_media(project, stack):
    track = project.timeline.tracks[0]
    stack.push(PlaceClip(track.id, a := clip(project, "A", start=90, duration=10), 0))
    with pytest.raises(EditError, match="past the end of its media"):
        stack.push(TrimClip(a.id, "end", 1))
    with pytest.raises(EditError, match="before its media's first frame"):
        stack.push(TrimClip(a.id, "start", -91))
    assert layout(track) == "A10"  # refused edits change nothing


def test_a_still_image_can_be_any_length(project, stack):
    track = project.timeline.tracks[0]
    still = Clip("S", project.media[1].id, FrameRange(0, 24))
    stack.push(PlaceClip(track.id, still, 0))
    stack.push(TrimClip(still.id, "end", 200))
    assert layout(track) == "S224"


def test_split_then_delete_with_and_without_ripple(project, stack):
    track = project.timeline.tracks[0]
    stack.push(PlaceClip(track.id, a := clip(project, "A", duration=12), 0))
    stack.push(PlaceClip(track.id, clip(project, "B", duration=5), 12))
    split = stack.push(SplitClip(a.id, 4))
    assert layout(track) == "A4 A8 B5"
    assert track.items[1].id == split.right_id
    assert track.items[1].source_range == FrameRange(4, 8)
    with pytest.raises(EditError, match="not inside"):
        stack.push(SplitClip(a.id, 4))
    stack.push(DeleteClip(a.id))
    assert layout(track) == "g4 A8 B5"
    stack.push(DeleteClip(split.right_id, ripple=True))
    assert layout(track) == "g4 B5"
    stack.push(CloseGap(track.items[0].id))
    assert layout(track) == "B5"


def test_undo_and_redo_restore_exactly(project, stack):
    before = copy.deepcopy(project)
    track = project.timeline.tracks[0]
    stack.push(PlaceClip(track.id, a := clip(project, "A", duration=12), 3))
    stack.push(SplitClip(a.id, 7))
    stack.push(AddTrack())
    stack.push(MoveClip(a.id, project.timeline.tracks[1].id, 0))
    assert_undo_then_redo_restore(stack, project, before)


def test_storyboard_edits(project, stack):
    shots = [Shot("one"), Shot("two"), Shot("three")]
    for s in shots:
        stack.push(AddShot(s))
    stack.push(MoveShot(shots[2].id, 0))
    assert [s.name for s in project.shots] == ["three", "one", "two"]
    stack.push(RenameShot(shots[0].id, "opening"))
    stack.push(EditShot(shots[0].id, prompt="a red circle", settings={"frames": 33}))
    assert shots[0].settings.frames == 33 and shots[0].settings.width == 256
    with pytest.raises(EditError, match="no field"):
        EditShot(shots[0].id, colour="red")
    with pytest.raises(EditError, match="needs a name"):
        RenameShot(shots[0].id, "  ")
    stack.push(RemoveShot(shots[1].id))
    assert [s.name for s in project.shots] == ["three", "opening"]
    stack.undo()
    stack.undo()
    assert shots[0].prompt == "" and shots[0].settings.frames == 17
    assert [s.name for s in project.shots] == ["three", "opening", "two"]


def test_takes_and_selection(project, stack):
    shot = stack.push(AddShot(Shot("s"))).shot
    media = project.media[0]
    t1 = Take(media.id, Recipe(model="demo", seed=1))
    t2 = Take(media.id, Recipe(model="demo", seed=2))
    stack.push(AddTake(shot.id, t1))
    stack.push(AddTake(shot.id, t2, select=False))
    assert shot.selected_take is t1
    stack.push(SelectTake(shot.id, t2.id))
    assert shot.selected_take is t2
    stack.undo()
    assert shot.selected_take is t1
    with pytest.raises(KeyError):
        stack.push(AddTake(shot.id, Take("nope", Recipe(model="demo"))))


def test_media_in_use_cannot_be_removed(project, stack):
    track = project.timeline.tracks[0]
    stack.push(PlaceClip(track.id, clip(project, "A"), 0))
    with pytest.raises(EditError, match="still used by 'A'"):
        stack.push(RemoveMedia(project.media[0].id))
    stack.push(RemoveMedia(project.media[1].id))
    assert len(project.media) == 1


def test_macro_is_one_undo_step_and_all_or_nothing(project, stack):
    new = MediaItem("take.mkv", "media/take.mkv", frames=17, generated=True)
    track = project.timeline.tracks[0]
    stack.push(Macro("Generate", [AddMedia(new), PlaceClip(track.id, Clip("T", new.id,
                                                                      FrameRange(0, 17)), 0)]))
    assert layout(track) == "T17" and new in project.media
    stack.undo()
    assert layout(track) == "" and new not in project.media
    bad = Macro("Bad", [AddMedia(MediaItem("x", "media/x")),
                        PlaceClip(track.id, Clip("X", "missing", FrameRange(0, 5)), 0)])
    with pytest.raises(EditError):
        stack.push(bad)
    assert len(project.media) == 2  # the first half was rolled back


def test_clean_state_follows_saves_and_undo(project, stack):
    events = []
    project.events.project_changed.connect(lambda: events.append(1))
    assert stack.clean
    stack.push(AddShot(Shot("s")))
    assert not stack.clean and events == [1]
    stack.set_clean()
    assert stack.clean
    stack.undo()
    assert not stack.clean
    stack.redo()
    assert stack.clean


def test_last_track_cannot_be_removed(project, stack):
    with pytest.raises(EditError, match="at least one track"):
        stack.push(RemoveTrack(project.timeline.tracks[0].id))


def test_track_signals_tell_views_what_to_redraw(project, stack):
    changed = []
    project.events.track_changed.connect(lambda t: changed.append(t.id))
    track = project.timeline.tracks[0]
    stack.push(PlaceClip(track.id, clip(project, "A"), 0))
    stack.undo()
    assert changed == [track.id, track.id]

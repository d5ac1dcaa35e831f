"""Property: any sequence of edits, undone, gives back the project; redone, the edited one."""

import copy

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from undo_checks import assert_undo_then_redo_restore

from studio.core import edits
from studio.core.model import (
    Clip,
    FrameRange,
    MediaItem,
    MediaKind,
    Mode,
    Project,
    Recipe,
    Shot,
    Take,
)


def starting_project() -> Project:
    p = Project(name="Property")
    p.media += [
        MediaItem("a.mkv", "media/a.mkv", frames=60),
        MediaItem("b.mkv", "media/b.mkv", frames=30),
        MediaItem("s.png", "media/s.png", kind=MediaKind.IMAGE),
    ]
    p.shots += [Shot("one", prompt="a red circle"), Shot("two")]
    stack = edits.UndoStack(p)
    stack.push(edits.PlaceClip(p.timeline.tracks[0].id,
                               Clip("A", p.media[0].id, FrameRange(5, 20)), 3))
    return p


def all_clips(p: Project) -> list[Clip]:
    return [c for t in p.timeline.tracks for c in t.clips()]


def all_gaps(p: Project):
    return [g for t in p.timeline.tracks for g in t.items if not isinstance(g, Clip)]


@st.composite
def an_edit(draw, p: Project) -> edits.Command:
    """One edit chosen against the project as it is now (it may still be refused)."""
    frame = st.integers(0, 80)
    kinds = ["add_shot", "add_track", "place", "edit_shot"]
    if p.shots:
        kinds += ["remove_shot", "move_shot", "rename", "add_take"]
    if any(s.takes for s in p.shots):
        kinds += ["select_take"]
    if all_clips(p):
        kinds += ["move", "trim", "split", "delete"]
    if all_gaps(p):
        kinds += ["close_gap"]
    if len(p.timeline.tracks) > 1:
        kinds += ["remove_track"]
    kind = draw(st.sampled_from(kinds))
    pick = lambda seq: draw(st.sampled_from(seq))
    if kind == "add_shot":
        return edits.AddShot(Shot(draw(st.text(min_size=1, max_size=8))),
                             draw(st.integers(0, 5)))
    if kind == "add_track":
        return edits.AddTrack(index=draw(st.integers(0, 3)))
    if kind == "place":
        media = pick(p.media)
        start = draw(st.integers(0, 10))
        duration = draw(st.integers(1, 25))
        return edits.PlaceClip(pick(p.timeline.tracks).id,
                               Clip("c", media.id, FrameRange(start, duration)),
                               draw(frame), ripple=draw(st.booleans()))
    if kind == "edit_shot":
        if not p.shots:
            return edits.AddShot(Shot("x"))
        return edits.EditShot(pick(p.shots).id, prompt=draw(st.text(max_size=12)),
                              mode=pick(list(Mode)),
                              settings={"frames": draw(st.integers(1, 81)),
                                        "seed": draw(st.integers(0, 2**31))})
    if kind == "remove_shot":
        return edits.RemoveShot(pick(p.shots).id)
    if kind == "move_shot":
        return edits.MoveShot(pick(p.shots).id, draw(st.integers(0, 5)))
    if kind == "rename":
        # Blank names are refused when the edit is made (tested elsewhere); draw real ones.
        return edits.RenameShot(pick(p.shots).id, draw(st.text(min_size=1, max_size=8).filter(str.strip)))
    if kind == "add_take":
        take = Take(pick(p.media).id, Recipe(model="demo", seed=draw(st.integers(0, 99))))
        return edits.AddTake(pick(p.shots).id, take, select=draw(st.booleans()))
    if kind == "select_take":
        shot = pick([s for s in p.shots if s.takes])
        return edits.SelectTake(shot.id, pick(shot.takes).id)
    if kind == "move":
        return edits.MoveClip(pick(all_clips(p)).id, pick(p.timeline.tracks).id, draw(frame))
    if kind == "trim":
        return edits.TrimClip(pick(all_clips(p)).id, pick(["start", "end"]),
                              draw(st.integers(-15, 15)))
    if kind == "split":
        c = pick(all_clips(p))
        track, _ = p.timeline.find_item(c.id)
        where = track.range_in_parent(c.id)
        return edits.SplitClip(c.id, where.start + draw(st.integers(0, where.duration)))
    if kind == "delete":
        return edits.DeleteClip(pick(all_clips(p)).id, ripple=draw(st.booleans()))
    if kind == "close_gap":
        return edits.CloseGap(pick(all_gaps(p)).id)
    return edits.RemoveTrack(pick(p.timeline.tracks[1:]).id)


def check_track_invariants(p: Project) -> None:
    for track in p.timeline.tracks:
        assert all(item.duration > 0 for item in track.items)
        assert not track.items or isinstance(track.items[-1], Clip)  # no trailing gap
        for a, b in zip(track.items, track.items[1:]):
            assert isinstance(a, Clip) or isinstance(b, Clip)  # gaps are merged
        for c in track.clips():
            media = p.media_item(c.media_id)
            if media.kind is not MediaKind.IMAGE:
                assert 0 <= c.source_range.start
                assert c.source_range.end_exclusive <= media.frames


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_undo_all_then_redo_all(data):
    project = starting_project()
    original = copy.deepcopy(project)
    stack = edits.UndoStack(project)
    for _ in range(data.draw(st.integers(1, 25))):
        command = data.draw(an_edit(project))
        snapshot = copy.deepcopy(project)
        try:
            stack.push(command)
        except (edits.EditError, KeyError):
            assert project == snapshot  # a refused edit changes nothing
        check_track_invariants(project)
    assert_undo_then_redo_restore(stack, project, original)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_undo_redo_on_random_projects(data):
    """The same property from any project a studio could have saved, not just one."""
    from strategies import projects

    project = data.draw(projects(max_shots=3, max_media=3).filter(
        lambda p: p.media and p.timeline.tracks))
    original = copy.deepcopy(project)
    stack = edits.UndoStack(project)
    for _ in range(data.draw(st.integers(1, 15))):
        try:
            stack.push(data.draw(an_edit(project)))
        except (edits.EditError, KeyError):
            pass
    assert_undo_then_redo_restore(stack, project, original)

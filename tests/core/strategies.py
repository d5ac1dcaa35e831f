"""Hypothesis strategies that build random valid Projects.

Valid means what a studio could have made: media under media/, takes and clips that refer to
media in the pool, clip ranges inside their media, gaps of at least one frame, ids unique per
kind, JSON data in the free-form fields. Used by the save/load property tests and by the undo
property tests (`from strategies import projects`; pytest puts tests/core on sys.path).
"""

from __future__ import annotations

import itertools
from fractions import Fraction

from hypothesis import strategies as st

from studio.core.jobs import Job, JobQueue, JobState
from studio.core.model import (
    Clip,
    FrameRange,
    Gap,
    MediaItem,
    MediaKind,
    Mode,
    PinRecord,
    Project,
    Recipe,
    Shot,
    ShotSettings,
    Take,
    Timeline,
    Track,
)

__all__ = [
    "jobs",
    "json_values",
    "media_items",
    "projects",
    "rates",
    "recipes",
    "shots",
    "tracks",
]

names = st.text(min_size=0, max_size=20)
short_text = st.text(max_size=40)
small_ints = st.integers(min_value=0, max_value=10_000)
rates = st.one_of(
    st.sampled_from(
        [
            Fraction(24000, 1001),
            Fraction(24),
            Fraction(25),
            Fraction(30000, 1001),
            Fraction(30),
            Fraction(50),
            Fraction(60000, 1001),
            Fraction(60),
            Fraction(8),
        ]
    ),
    st.fractions(min_value=Fraction(1, 1000), max_value=240, max_denominator=1001),
)
finite_floats = st.floats(allow_nan=False, allow_infinity=False)

# JSON data, as fields typed Any hold it (lists, not tuples).
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | finite_floats | short_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(short_text, inner, max_size=4),
    max_leaves=10,
)
json_objects = st.dictionaries(short_text, json_values, max_size=4)


def _ids(prefix: str):
    """Unique ids for one project (hypothesis would otherwise happily repeat a uuid)."""
    counter = itertools.count()
    return lambda: f"{prefix}{next(counter):05x}"


hashes = st.text(alphabet="0123456789abcdef", min_size=0, max_size=64)

pin_records = st.builds(
    PinRecord, at_frame=small_ints, count=small_ints, sha256=hashes, source=short_text
)

recipes = st.builds(
    Recipe,
    model=names,
    weights_hash=hashes,
    mode=st.sampled_from(Mode),
    prompt=short_text,
    negative_prompt=short_text,
    width=small_ints,
    height=small_ints,
    frames=small_ints,
    fps=rates,
    steps=small_ints,
    guidance=finite_floats,
    seed=st.integers(min_value=0, max_value=2**64 - 1),
    preset=st.sampled_from(["draft", "final"]),
    pins=st.lists(pin_records, max_size=3).map(tuple),
    versions=st.lists(st.tuples(names, names), max_size=3).map(lambda v: tuple(sorted(v))),
    extra=st.lists(st.tuples(names, json_values), max_size=3).map(tuple),
)

shot_settings = st.builds(
    ShotSettings,
    width=small_ints,
    height=small_ints,
    frames=small_ints,
    fps=rates,
    steps=small_ints,
    guidance=finite_floats,
    seed=st.integers(min_value=0, max_value=2**64 - 1),
    seed_locked=st.booleans(),
    preset=st.sampled_from(["draft", "final"]),
)

file_names = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_ ", min_size=1, max_size=12
).map(lambda s: s.strip() or "clip")


@st.composite
def media_items(draw, new_id=None) -> MediaItem:
    new_id = new_id or _ids("m")
    ident = new_id()
    kind = draw(st.sampled_from(MediaKind))
    return MediaItem(
        name=draw(names),
        path=f"media/{ident}-{draw(file_names)}.{'png' if kind is MediaKind.IMAGE else 'mkv'}",
        kind=kind,
        frames=draw(st.integers(min_value=1, max_value=500)),
        rate=draw(rates),
        width=draw(small_ints),
        height=draw(small_ints),
        generated=draw(st.booleans()),
        id=ident,
    )


@st.composite
def shots(draw, media: list[MediaItem], new_id=None, new_take_id=None) -> Shot:
    new_id = new_id or _ids("s")
    new_take_id = new_take_id or _ids("t")
    media_ids = [m.id for m in media]
    takes = []
    if media_ids:
        for _ in range(draw(st.integers(0, 3))):
            takes.append(
                Take(
                    media_id=draw(st.sampled_from(media_ids)),
                    recipe=draw(recipes),
                    id=new_take_id(),
                    created=draw(st.sampled_from(["", "2026-11-21T22:00:00Z"])),
                )
            )
    selected = draw(st.sampled_from([None] + [t.id for t in takes]))
    references = draw(st.lists(st.sampled_from(media_ids), max_size=2)) if media_ids else []
    return Shot(
        name=draw(names),
        prompt=draw(short_text),
        negative_prompt=draw(short_text),
        model=draw(names),
        mode=draw(st.sampled_from(Mode)),
        settings=draw(shot_settings),
        references=references,
        takes=takes,
        selected_take_id=selected,
        id=new_id(),
    )


@st.composite
def tracks(draw, media: list[MediaItem], shot_list: list[Shot], new_id=None) -> Track:
    new_id = new_id or _ids("i")
    items = []
    for _ in range(draw(st.integers(0, 5))):
        if media and draw(st.booleans()):
            item = draw(st.sampled_from(media))
            start = draw(st.integers(0, item.frames - 1))
            duration = draw(st.integers(1, item.frames - start))
            shot = draw(st.sampled_from([None, *shot_list]))
            take = draw(st.sampled_from([None, *shot.takes])) if shot else None
            items.append(
                Clip(
                    name=draw(names),
                    media_id=item.id,
                    source_range=FrameRange(start, duration),
                    shot_id=shot.id if shot else None,
                    take_id=take.id if take else None,
                    id=new_id(),
                )
            )
        else:
            items.append(Gap(duration=draw(st.integers(1, 200)), id=new_id()))
    return Track(
        name=draw(names), kind=draw(st.sampled_from(["video", "audio"])), items=items, id=new_id()
    )


@st.composite
def jobs(draw, shot_list: list[Shot], new_id=None) -> Job:
    new_id = new_id or _ids("j")
    return Job(
        shot_id=draw(st.sampled_from([s.id for s in shot_list])) if shot_list else "gone",
        request=draw(json_objects),
        label=draw(short_text),
        placement=draw(json_objects),
        state=draw(st.sampled_from(JobState)),
        progress=draw(st.floats(min_value=0.0, max_value=1.0)),
        message=draw(short_text),
        take_id=draw(st.one_of(st.none(), names)),
        id=new_id(),
    )


@st.composite
def projects(draw, max_shots: int = 4, max_media: int = 4) -> Project:
    """A random valid Project with shots, takes, media, tracks of clips and gaps, and jobs."""
    media_id, shot_id, take_id, item_id, job_id = (_ids(p) for p in "mstij")
    media = draw(st.lists(media_items(media_id), max_size=max_media))
    shot_list = draw(st.lists(shots(media, shot_id, take_id), max_size=max_shots))
    track_list = draw(st.lists(tracks(media, shot_list, item_id), max_size=3))
    return Project(
        name=draw(names),
        rate=draw(rates),
        width=draw(small_ints),
        height=draw(small_ints),
        shots=shot_list,
        timeline=Timeline(name=draw(names), tracks=track_list),
        media=media,
        settings=draw(json_objects),
        jobs=JobQueue(jobs=draw(st.lists(jobs(shot_list, job_id), max_size=3))),
    )

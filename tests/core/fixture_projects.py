"""The project each schema fixture under fixtures/ must load as (ids fixed, so equal)."""

from fractions import Fraction

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


def expected_project(schema_version: int) -> Project:
    """The film saved in fixtures/v<N>/Harbour.studio; v1 had no job queue."""
    take_media = MediaItem(
        "harbour dawn take 1",
        "media/take-0001.mkv",
        MediaKind.VIDEO,
        frames=17,
        rate=Fraction(8),
        width=256,
        height=256,
        generated=True,
        id="m00000000001",
    )
    still = MediaItem(
        "boat.png",
        "media/boat.png",
        MediaKind.IMAGE,
        frames=1,
        rate=Fraction(30000, 1001),
        width=640,
        height=360,
        id="m00000000002",
    )
    recipe = Recipe(
        model="demo",
        weights_hash="ab12",
        mode=Mode.IMAGE,
        prompt="a harbour at dawn",
        negative_prompt="blur",
        width=256,
        height=256,
        frames=17,
        fps=Fraction(24000, 1001),
        steps=2,
        guidance=4.5,
        seed=42,
        preset="draft",
        pins=(PinRecord(0, 1, "c0ffee", "m00000000002"),),
        versions=(("diffusers", "0.42.0"), ("torch", "2.13.0")),
        extra=(("scheduler", "euler"),),
    )
    take = Take("m00000000001", recipe, id="t00000000001", created="2026-11-01T10:00:00Z")
    shot = Shot(
        "Harbour",
        prompt="a harbour at dawn",
        negative_prompt="blur",
        model="demo",
        mode=Mode.IMAGE,
        settings=ShotSettings(256, 256, 17, Fraction(8), 2, 4.5, 42, True, "draft"),
        references=["m00000000002"],
        takes=[take],
        selected_take_id="t00000000001",
        id="s00000000001",
    )
    track = Track(
        "V1",
        "video",
        [
            Gap(12, id="g00000000001"),
            Clip(
                "Harbour",
                "m00000000001",
                FrameRange(2, 10),
                "s00000000001",
                "t00000000001",
                id="c00000000001",
            ),
        ],
        id="k00000000001",
    )
    jobs = JobQueue()
    if schema_version >= 2:
        jobs.jobs.append(
            Job(
                "s00000000001",
                {"prompt": "a harbour at dusk", "frames": 17},
                label="Harbour #2",
                placement={"track": "k00000000001", "at": 22},
                state=JobState.QUEUED,
                id="j00000000001",
            )
        )
    return Project(
        name="Harbour",
        rate=Fraction(24000, 1001),
        width=256,
        height=256,
        shots=[shot],
        timeline=Timeline("Main", [track]),
        media=[take_media, still],
        settings={"viewer": {"zoom": 1.5}},
        jobs=jobs,
    )

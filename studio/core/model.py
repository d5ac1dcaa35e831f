"""The project model: typed dataclasses named as OpenTimelineIO names things.

Time is integer frames at the project rate. Every object that something else refers to
carries a stable `id` (a short hex string), so jobs, views and undo can find it again after a
reload or an undo that rebuilt it. Fields are written only by commands in `edits.py`; views
read them and subscribe to `Project.events`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import Enum
from fractions import Fraction
from typing import Any

from psygnal import Signal, SignalGroup

from studio.core.jobs import JobQueue


def new_id() -> str:
    return uuid.uuid4().hex[:12]


@dataclass(frozen=True)
class FrameRange:
    """A span of frames: `start` is the first frame, `duration` how many (OTIO's TimeRange)."""

    start: int
    duration: int

    def __post_init__(self) -> None:
        if self.duration < 0:
            raise ValueError(f"a range cannot have a negative duration ({self.duration})")

    @property
    def end_exclusive(self) -> int:
        return self.start + self.duration

    def contains(self, frame: int) -> bool:
        return self.start <= frame < self.end_exclusive


class Mode(str, Enum):
    """What a shot asks the engine for; every mode is frames with some of them pinned."""

    TEXT = "text"
    IMAGE = "image"
    EXTEND_FORWARD = "extend_forward"
    EXTEND_BACKWARD = "extend_backward"
    INFILL = "infill"
    LONG = "long"


@dataclass(frozen=True)
class PinRecord:
    """A pinned span as recorded in a recipe: where it sat and what it held (by hash)."""

    at_frame: int
    count: int
    sha256: str
    source: str = ""  # media id or file name the frames came from


@dataclass(frozen=True)
class Recipe:
    """Everything needed to make a take again, bit for bit where the hardware allows."""

    model: str
    weights_hash: str = ""
    mode: Mode = Mode.TEXT
    prompt: str = ""
    negative_prompt: str = ""
    width: int = 0
    height: int = 0
    frames: int = 0
    fps: Fraction = Fraction(24)
    steps: int = 0
    guidance: float = 0.0
    seed: int = 0
    preset: str = "final"
    pins: tuple[PinRecord, ...] = ()
    versions: tuple[tuple[str, str], ...] = ()  # (library, version) pairs, sorted
    extra: tuple[tuple[str, Any], ...] = ()  # backend-specific settings, sorted pairs


@dataclass
class ShotSettings:
    """Generation settings a shot asks for; the inspector edits these."""

    width: int = 256
    height: int = 256
    frames: int = 17
    fps: Fraction = Fraction(8)
    steps: int = 20
    guidance: float = 5.0
    seed: int = 0
    seed_locked: bool = False
    preset: str = "final"


@dataclass
class Take:
    """One generation of a shot: the media it produced and the recipe that made it."""

    media_id: str
    recipe: Recipe
    id: str = field(default_factory=new_id)
    created: str = ""  # ISO 8601 UTC


@dataclass
class Shot:
    """A storyboard entry."""

    name: str
    prompt: str = ""
    negative_prompt: str = ""
    model: str = "demo"
    mode: Mode = Mode.TEXT
    settings: ShotSettings = field(default_factory=ShotSettings)
    # Conditioning: media ids (an image for IMAGE, the clip(s) to extend or fill between).
    references: list[str] = field(default_factory=list)
    takes: list[Take] = field(default_factory=list)
    selected_take_id: str | None = None
    id: str = field(default_factory=new_id)

    @property
    def selected_take(self) -> Take | None:
        for take in self.takes:
            if take.id == self.selected_take_id:
                return take
        return None

    def take(self, take_id: str) -> Take:
        for take in self.takes:
            if take.id == take_id:
                return take
        raise KeyError(f"shot {self.name!r} has no take {take_id}")


class MediaKind(str, Enum):
    VIDEO = "video"
    IMAGE = "image"


@dataclass
class MediaItem:
    """A file in the bundle's media/ folder, by path relative to the bundle."""

    name: str
    path: str  # relative to the bundle, always under media/
    kind: MediaKind = MediaKind.VIDEO
    frames: int = 1
    rate: Fraction = Fraction(24)
    width: int = 0
    height: int = 0
    generated: bool = False
    id: str = field(default_factory=new_id)


@dataclass
class Clip:
    """A span of a media item placed on a track."""

    name: str
    media_id: str
    source_range: FrameRange
    shot_id: str | None = None
    take_id: str | None = None
    id: str = field(default_factory=new_id)

    @property
    def duration(self) -> int:
        return self.source_range.duration


@dataclass
class Gap:
    duration: int
    id: str = field(default_factory=new_id)


Item = Clip | Gap


@dataclass
class Track:
    """Items laid end to end; an item's place is the sum of the durations before it."""

    name: str = "V1"
    kind: str = "video"
    items: list[Item] = field(default_factory=list)
    id: str = field(default_factory=new_id)

    @property
    def duration(self) -> int:
        return sum(item.duration for item in self.items)

    def range_in_parent(self, item_id: str) -> FrameRange:
        """Where the item sits on the timeline, in frames."""
        start = 0
        for item in self.items:
            if item.id == item_id:
                return FrameRange(start, item.duration)
            start += item.duration
        raise KeyError(f"track {self.name} has no item {item_id}")

    def clips(self) -> list[Clip]:
        return [item for item in self.items if isinstance(item, Clip)]

    def item_at(self, frame: int) -> Item | None:
        start = 0
        for item in self.items:
            if start <= frame < start + item.duration:
                return item
            start += item.duration
        return None


@dataclass
class Timeline:
    name: str = "Main"
    tracks: list[Track] = field(default_factory=lambda: [Track("V1")])

    @property
    def duration(self) -> int:
        return max((track.duration for track in self.tracks), default=0)

    def track(self, track_id: str) -> Track:
        for track in self.tracks:
            if track.id == track_id:
                return track
        raise KeyError(f"the timeline has no track {track_id}")

    def find_item(self, item_id: str) -> tuple[Track, Item]:
        for track in self.tracks:
            for item in track.items:
                if item.id == item_id:
                    return track, item
        raise KeyError(f"the timeline has no item {item_id}")


class ProjectEvents(SignalGroup):
    """What changed. Views subscribe; only commands and the job queue emit."""

    shot_added = Signal(object, int)  # shot, index
    shot_removed = Signal(object, int)  # shot, index it had
    shots_reordered = Signal()
    shot_changed = Signal(object)  # shot (name, prompt, settings, takes, selection)
    media_added = Signal(object)  # media item
    media_removed = Signal(object)
    track_added = Signal(object, int)
    track_removed = Signal(object, int)
    track_changed = Signal(object)  # track: its items were replaced; redraw it
    project_changed = Signal()  # anything at all; autosave listens here


@dataclass
class Project:
    name: str = "Untitled"
    rate: Fraction = Fraction(24)
    width: int = 256
    height: int = 256
    shots: list[Shot] = field(default_factory=list)
    timeline: Timeline = field(default_factory=Timeline)
    media: list[MediaItem] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    jobs: JobQueue = field(default_factory=JobQueue)
    events: ProjectEvents = field(
        default_factory=ProjectEvents, compare=False, repr=False
    )

    def shot(self, shot_id: str) -> Shot:
        for shot in self.shots:
            if shot.id == shot_id:
                return shot
        raise KeyError(f"the project has no shot {shot_id}")

    def shot_by_name(self, name: str) -> Shot:
        for shot in self.shots:
            if shot.name == name:
                return shot
        raise KeyError(f"the project has no shot named {name!r}")

    def media_item(self, media_id: str) -> MediaItem:
        for item in self.media:
            if item.id == media_id:
                return item
        raise KeyError(f"the project has no media {media_id}")

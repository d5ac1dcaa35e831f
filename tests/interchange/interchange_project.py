"""A small real project for the interchange tests, built in code with media written by PyAV.

Every frame of every media file is one flat colour of its own, so a frame that slips by one
shows as the wrong colour.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from studio.core.model import (
    Clip,
    FrameRange,
    Gap,
    MediaItem,
    MediaKind,
    Mode,
    Project,
    Recipe,
    Shot,
    Take,
    Timeline,
    Track,
)

SIZE = 32


def colour(media_index: int, frame: int) -> tuple[int, int, int]:
    return ((40 + 60 * media_index) % 256, (16 + 16 * frame) % 256, 220 - 50 * media_index)


def write_media(
    path: Path, media_index: int, frames: int, rate: Fraction, size: tuple[int, int] = (SIZE, SIZE)
) -> None:
    """A ProRes .mov whose frame n is colour(media_index, n)."""
    width, height = size
    with av.open(str(path), "w") as container:
        stream = container.add_stream("prores_ks", rate=rate, options={"profile": "3"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv422p10le"
        for n in range(frames):
            rgb = np.zeros((height, width, 3), np.uint8)
            rgb[:] = colour(media_index, n)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = n
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


@dataclass
class Built:
    project: Project
    bundle: Path
    media_index: dict[str, int]  # media id -> colour index

    def expected_frame(self, n: int) -> tuple[int, int, int]:
        """The colour the timeline shows at frame n (top track wins, gaps are black)."""
        for track in reversed(self.project.timeline.tracks):
            item = track.item_at(n)
            if isinstance(item, Clip):
                offset = n - track.range_in_parent(item.id).start
                return colour(self.media_index[item.media_id], item.source_range.start + offset)
        return (0, 0, 0)


def build_project(
    root: Path,
    rate: Fraction = Fraction(24),
    *,
    odd_size_media: bool = False,
    size: tuple[int, int] = (SIZE, SIZE),
) -> Built:
    """Cut.studio with three media files, three shots' takes and two overlapping tracks."""
    bundle = root / "Cut.studio"
    (bundle / "media").mkdir(parents=True)
    specs = [("opening.mov", 12, True), ("chase.mov", 10, True), ("street.mov", 8, False)]
    media: list[MediaItem] = []
    for index, (name, frames, generated) in enumerate(specs):
        media_size = (48, 40) if odd_size_media and index == 2 else size
        write_media(bundle / "media" / name, index, frames, rate, media_size)
        media.append(
            MediaItem(
                name=name,
                path=f"media/{name}",
                kind=MediaKind.VIDEO,
                frames=frames,
                rate=rate,
                width=media_size[0],
                height=media_size[1],
                generated=generated,
            )
        )
    a, b, c = media
    recipe = Recipe(
        model="demo",
        mode=Mode.TEXT,
        prompt="a red door at dawn",
        width=SIZE,
        height=SIZE,
        frames=12,
        fps=rate,
        steps=2,
        seed=7,
    )
    opening = Shot(name="Opening", prompt="a red door at dawn")
    opening.takes.append(Take(media_id=a.id, recipe=recipe))
    opening.selected_take_id = opening.takes[0].id
    chase = Shot(name="Chase", prompt="a car chase")
    chase.takes.append(Take(media_id=a.id, recipe=recipe))
    chase.takes.append(
        Take(media_id=b.id, recipe=Recipe(model="demo", prompt="a car chase", seed=9))
    )
    chase.selected_take_id = chase.takes[1].id
    v1 = Track(
        "V1",
        items=[
            Clip(
                "Opening", a.id, FrameRange(2, 5), shot_id=opening.id, take_id=opening.takes[0].id
            ),
            Gap(3),
            Clip("Chase", b.id, FrameRange(0, 6), shot_id=chase.id, take_id=chase.takes[1].id),
            Clip(
                "Opening", a.id, FrameRange(7, 4), shot_id=opening.id, take_id=opening.takes[0].id
            ),
        ],
    )
    v2 = Track("V2", items=[Gap(4), Clip("street", c.id, FrameRange(1, 3))])
    project = Project(
        name="Cut",
        rate=rate,
        width=size[0],
        height=size[1],
        shots=[opening, chase],
        timeline=Timeline(tracks=[v1, v2]),
        media=media,
    )
    return Built(project, bundle, {m.id: i for i, m in enumerate(media)})


@dataclass
class Decoded:
    codec: str
    profile: str | None
    rate: Fraction
    timecode: str | None
    metadata: dict[str, str]
    colours: list[tuple[int, int, int]]  # the centre pixel of every frame


def decode(path: Path) -> Decoded:
    """A media file (or PNG sequence folder) decoded with PyAV, frame by frame."""
    if path.is_dir():
        files = sorted(path.glob("*.png"))
        colours = []
        for file in files:
            with av.open(str(file)) as container:
                frame = next(container.decode(video=0))
                rgb = frame.to_ndarray(format="rgb24")
                colours.append(tuple(int(v) for v in rgb[rgb.shape[0] // 2, rgb.shape[1] // 2]))
        return Decoded("png", None, Fraction(0), None, {}, colours)
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        timecode = stream.metadata.get("timecode")
        for other in container.streams:
            timecode = timecode or other.metadata.get("timecode")
        colours = []
        for frame in container.decode(stream):
            rgb = frame.to_ndarray(format="rgb24")
            colours.append(tuple(int(v) for v in rgb[rgb.shape[0] // 2, rgb.shape[1] // 2]))
        return Decoded(
            stream.codec_context.name,
            stream.codec_context.profile,
            Fraction(stream.average_rate),
            timecode,
            dict(container.metadata),
            colours,
        )


def close(got: tuple[int, int, int], want: tuple[int, int, int], tolerance: int = 6) -> bool:
    return max(abs(g - w) for g, w in zip(got, want)) <= tolerance


def nearest(
    got: tuple[int, int, int], candidates: list[tuple[int, int, int]]
) -> tuple[int, int, int]:
    """The candidate colour closest to `got` (for codecs that shift colours a little)."""
    return min(candidates, key=lambda c: sum((g - v) ** 2 for g, v in zip(got, c)))


def palette() -> list[tuple[int, int, int]]:
    """Every colour the test media holds, and black."""
    return [(0, 0, 0)] + [colour(m, f) for m in range(3) for f in range(12)]

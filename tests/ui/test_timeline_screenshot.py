"""A populated timeline rendered offscreen to a PNG: thumbnails decoded, names, selection.

Set STUDIO_SCREENSHOT_DIR to keep the picture (it is written to the test's temp dir too).
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage

from studio.core.edits import UndoStack
from studio.core.model import Clip, FrameRange, Gap, MediaItem, Project, Track
from studio.media import write_video
from studio.ui.timeline import TimelineView
from studio.ui.timeline.items import TITLE_HEIGHT
from studio.ui.timeline.style import TRACK_HEIGHT

RATE = Fraction(24)
W, H = 64, 36


def scene_frames(sky: tuple[int, int, int], ball: tuple[int, int, int], count: int) -> np.ndarray:
    """A sky gradient with a ball crossing it: enough of a picture to read as a thumbnail."""
    ys, xs = np.mgrid[0:H, 0:W]
    frames = np.empty((count, H, W, 3), np.uint8)
    shade = (1.0 - ys / H * 0.6)[..., None]
    for index in range(count):
        frame = (np.array(sky) * shade).astype(np.uint8)
        cx = 8 + (W - 16) * index / max(1, count - 1)
        frame[(xs - cx) ** 2 + (ys - H * 0.6) ** 2 < 49] = ball
        frames[index] = frame
    return frames


def test_screenshot_of_a_populated_timeline(qtbot, tmp_path: Path):
    project = Project(name="Harbour", rate=RATE, width=W, height=H)
    looks = {
        "Harbour at dawn": ((230, 140, 80), (255, 240, 200)),
        "Gulls over the pier": ((70, 130, 210), (250, 250, 250)),
        "Fishing boat leaves": ((40, 90, 120), (220, 60, 40)),
        "Market, wide": ((150, 120, 90), (60, 160, 60)),
        "Night falls": ((20, 30, 70), (250, 220, 90)),
    }
    media = {}
    for name, (sky, ball) in looks.items():
        target = tmp_path / "media" / f"{len(media)}.mp4"
        path = write_video(target, scene_frames(sky, ball, 48), RATE)
        media[name] = MediaItem(name, f"media/{path.name}", frames=48, width=W, height=H)
    project.media.extend(media.values())

    def clip(name: str, start: int, duration: int) -> Clip:
        return Clip(name, media[name].id, FrameRange(start, duration))

    v1 = project.timeline.tracks[0]
    v1.items = [clip("Harbour at dawn", 0, 48), clip("Gulls over the pier", 6, 36), Gap(20),
                clip("Fishing boat leaves", 0, 44)]
    v2 = Track("V2", items=[Gap(60), clip("Market, wide", 4, 40)])
    v3 = Track("V3", items=[Gap(150), clip("Night falls", 0, 30)])
    project.timeline.tracks += [v2, v3]

    view = TimelineView(project, UndoStack(project), media_root=tmp_path)
    qtbot.addWidget(view)
    view.resize(1100, 300)
    view.show()
    qtbot.waitExposed(view)
    view.set_scale(5.5)
    view.set_playhead(70)
    selected = v1.items[1]
    view.select([selected.id])
    # Every clip asks for its first and last frame; wait until they are decoded.
    qtbot.waitUntil(lambda: len(view.thumbnails._cache) >= 2 * len(media), timeout=15000)

    image: QImage = view.grab().toImage()
    path = tmp_path / "timeline.png"
    assert image.save(str(path))
    keep = os.environ.get("STUDIO_SCREENSHOT_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        image.save(str(Path(keep) / "timeline.png"))
    assert path.stat().st_size > 1000

    # The thumbnail strip of the first clip shows its picture (sky colour), not a placeholder.
    item = view.item(v1.items[0].id)
    origin = view.viewport().mapTo(view, view.mapFromScene(item.scenePos()))
    thumb = image.pixelColor(origin.x() + 10, origin.y() + TITLE_HEIGHT + 4)
    assert abs(thumb.red() - 230) < 30 and abs(thumb.green() - 140) < 30
    # The selected clip has the selection outline.
    chosen = view.item(selected.id)
    left_middle = view.mapFromScene(chosen.scenePos() + QPointF(0, TRACK_HEIGHT / 2))
    top_left = view.viewport().mapTo(view, left_middle)
    outline = [image.pixelColor(top_left.x() + dx, top_left.y()) for dx in range(4)]
    assert any(_near(c, QColor(255, 196, 40)) for c in outline)


def _near(color: QColor, other: QColor, tolerance: int = 40) -> bool:
    pairs = zip(color.getRgb()[:3], other.getRgb()[:3], strict=True)
    return all(abs(a - b) <= tolerance for a, b in pairs)

"""The viewer shows the cut's frames and takes, and answers the keys editors use."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from studio.core.edits import DeleteClip, UndoStack
from studio.core.model import Clip, FrameRange, Gap, MediaItem, Project, Track
from studio.media import read_frames, write_video
from studio.ui.viewer import ViewerPanel

RATE = Fraction(24)
W, H = 48, 32


def flat_frames(rgb: tuple[int, int], count: int) -> np.ndarray:
    """Flat frames of one colour per clip; blue counts the frame so frame N is knowable."""
    frames = np.zeros((count, H, W, 3), np.uint8)
    for index in range(count):
        frames[index] = (rgb[0], rgb[1], 6 * index)
    return frames


def add_media(project: Project, root: Path, name: str, rgb: tuple[int, int]) -> MediaItem:
    path = write_video(root / "media" / f"{name}.mp4", flat_frames(rgb, 30), RATE)
    item = MediaItem(name, f"media/{path.name}", frames=30, rate=RATE, width=W, height=H)
    project.media.append(item)
    return item


@pytest.fixture
def cut(tmp_path: Path) -> Project:
    """V1: red [0, 30)  gap [30, 36)  green [36, 56) (media from frame 4);
    V2 on top: blue [20, 30)."""
    project = Project(name="Viewer", rate=RATE, width=W, height=H)
    red = add_media(project, tmp_path, "red", (220, 20))
    green = add_media(project, tmp_path, "green", (20, 220))
    blue = add_media(project, tmp_path, "blue", (20, 20))
    v1 = project.timeline.tracks[0]
    v1.items = [Clip("red", red.id, FrameRange(0, 30)), Gap(6),
                Clip("green", green.id, FrameRange(4, 20))]
    project.timeline.tracks.append(
        Track("V2", items=[Gap(20), Clip("blue", blue.id, FrameRange(0, 10))]))
    return project


@pytest.fixture
def viewer(qtbot, cut: Project, tmp_path: Path) -> ViewerPanel:
    panel = ViewerPanel(cut, media_root=tmp_path)
    qtbot.addWidget(panel)
    panel.resize(480, 320)
    panel.show()
    qtbot.waitExposed(panel)
    panel.setFocus()
    return panel


def shown(qtbot, viewer: ViewerPanel, frame: int) -> QImage | None:
    qtbot.waitUntil(lambda: viewer.shown_frame == frame and viewer.frame == frame, timeout=5000)
    return viewer.displayed_image()


def close(color: QColor, rgb: tuple[int, int, int], tolerance: int = 8) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(color.getRgb()[:3], rgb, strict=True))


def source_rgb(root: Path, project: Project, name: str, frame: int) -> tuple[int, int, int]:
    media = next(m for m in project.media if m.name == name)
    pixel = read_frames(root / media.path, frame, 1)[0][H // 2, W // 2]
    return int(pixel[0]), int(pixel[1]), int(pixel[2])


@pytest.mark.parametrize(
    ("frame", "clip", "source_frame"),
    [(5, "red", 5), (19, "red", 19), (20, "blue", 0), (29, "blue", 9), (40, "green", 8)],
)
def test_shows_frame_n_of_the_cut(qtbot, viewer, cut, tmp_path, frame, clip, source_frame):
    viewer.set_frame(frame)
    image = shown(qtbot, viewer, frame)
    assert image is not None
    expected = source_rgb(tmp_path, cut, clip, source_frame)
    assert close(image.pixelColor(W // 2, H // 2), expected)
    # And on screen, scaled into the display, the same colour.
    screen = viewer.display.grab().toImage()
    centre = screen.pixelColor(screen.width() // 2, screen.height() // 2)
    assert close(centre, expected, tolerance=10)


def test_gaps_are_black_and_edits_redraw(qtbot, viewer, cut):
    viewer.set_frame(32)
    assert shown(qtbot, viewer, 32) is None
    screen = viewer.display.grab().toImage()
    assert close(screen.pixelColor(screen.width() // 2, screen.height() // 2), (0, 0, 0), 2)
    viewer.set_frame(25)
    assert shown(qtbot, viewer, 25) is not None
    # Deleting the top clip uncovers the red one under it.
    stack = UndoStack(cut)
    stack.push(DeleteClip(cut.timeline.tracks[1].clips()[0].id))
    qtbot.waitUntil(lambda: close(viewer.displayed_image().pixelColor(W // 2, H // 2),
                                  (220, 20, 150)), timeout=5000)


def test_arrows_home_end_move_frames(qtbot, viewer):
    frames: list[int] = []
    viewer.frame_changed.connect(frames.append)
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    qtbot.keyClick(viewer, Qt.Key.Key_Right)
    assert viewer.frame == 2
    qtbot.keyClick(viewer, Qt.Key.Key_Left)
    assert viewer.frame == 1
    qtbot.keyClick(viewer, Qt.Key.Key_End)
    assert viewer.frame == 55
    assert "00:00:02:07" in viewer.transport.timecode_label.text()
    qtbot.keyClick(viewer, Qt.Key.Key_Home)
    assert viewer.frame == 0
    assert frames == [1, 2, 1, 55, 0]
    # The scrub bar under the picture follows and moves the frame too.
    assert viewer.transport.scrubber.maximum() == 55
    viewer.transport.scrubber.setValue(30)
    assert viewer.frame == 30
    viewer.set_frame(7)
    assert viewer.transport.scrubber.value() == 7


def test_jkl_shuttle(qtbot, viewer):
    viewer.set_frame(10)
    qtbot.keyClick(viewer, Qt.Key.Key_L)
    assert viewer.playing and viewer.clock.speed == 1
    qtbot.waitUntil(lambda: viewer.frame >= 13, timeout=5000)
    qtbot.keyClick(viewer, Qt.Key.Key_L)
    assert viewer.clock.speed == 2  # pressing L again plays faster
    qtbot.keyClick(viewer, Qt.Key.Key_K)
    assert not viewer.playing
    stopped = viewer.frame
    qtbot.keyClick(viewer, Qt.Key.Key_J)
    assert viewer.clock.speed == -1
    qtbot.waitUntil(lambda: viewer.frame <= stopped - 3, timeout=5000)
    qtbot.keyClick(viewer, Qt.Key.Key_K)
    assert not viewer.playing


def test_space_plays_to_the_end_and_stops(qtbot, viewer):
    viewer.set_frame(50)
    qtbot.keyClick(viewer, Qt.Key.Key_Space)
    assert viewer.playing
    qtbot.waitUntil(lambda: not viewer.playing, timeout=5000)
    assert viewer.frame == 55
    # Space at the end starts again from the top, as editors do.
    qtbot.keyClick(viewer, Qt.Key.Key_Space)
    assert viewer.playing and viewer.frame < 55
    qtbot.keyClick(viewer, Qt.Key.Key_Space)
    assert not viewer.playing


def test_in_and_out_points(qtbot, viewer):
    viewer.set_frame(12)
    qtbot.keyClick(viewer, Qt.Key.Key_I)
    viewer.set_frame(18)
    qtbot.keyClick(viewer, Qt.Key.Key_O)
    assert (viewer.in_point, viewer.out_point) == (12, 18)
    assert "In 00:00:00:12" in viewer.transport.points_label.text()
    qtbot.keyClick(viewer, Qt.Key.Key_I, Qt.KeyboardModifier.ShiftModifier)
    assert viewer.frame == 12
    viewer.play()
    qtbot.waitUntil(lambda: not viewer.playing, timeout=5000)
    assert viewer.frame == 18  # playback stops at the out point


def test_show_take_then_timeline(qtbot, viewer, cut, tmp_path):
    viewer.set_frame(40)
    green = next(m for m in cut.media if m.name == "green")
    viewer.show_take(green.id)
    assert not viewer.showing_timeline and viewer.duration == 30
    image = shown(qtbot, viewer, 0)
    assert close(image.pixelColor(W // 2, H // 2), source_rgb(tmp_path, cut, "green", 0))
    assert "green" in viewer.transport.source_label.text()
    viewer.show_timeline()
    assert viewer.showing_timeline
    image = shown(qtbot, viewer, 40)
    assert close(image.pixelColor(W // 2, H // 2), source_rgb(tmp_path, cut, "green", 8))


def test_live_preview_replaced_by_the_next_frame(qtbot, viewer):
    preview = QImage(16, 16, QImage.Format.Format_RGB888)
    preview.fill(QColor(250, 0, 250))
    viewer.show_preview(preview)
    assert viewer.showing_preview and viewer.display.caption == "Live preview"
    assert viewer.displayed_image().pixelColor(4, 4) == QColor(250, 0, 250)
    viewer.set_frame(3)
    shown(qtbot, viewer, 3)
    assert not viewer.showing_preview

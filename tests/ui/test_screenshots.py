"""Pictures of the window with a populated project, to look at (and to catch a blank window).

PNGs go to `$STUDIO_SCREENSHOTS` when set (e.g. `out/screenshots`), else the test's tmp
folder. Runs offscreen, or on a real display under Xvfb.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PySide6.QtGui import QImage
from ui_helpers import make_shot, wait_idle

from studio.core.edits import DeleteClip, EditShot, Macro, PlaceClip
from studio.core.model import Clip


def image_array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height = image.width(), image.height()
    data = np.frombuffer(image.constBits(), np.uint8, count=image.sizeInBytes())
    rows = data.reshape(height, image.bytesPerLine())[:, : width * 3]
    return rows.reshape(height, width, 3).copy()  # the QImage owns the memory


def test_screenshots_of_a_populated_project(make_window, qtbot, tmp_path, fake_engine):
    out = Path(os.environ.get("STUDIO_SCREENSHOTS") or tmp_path / "screenshots")
    out.mkdir(parents=True, exist_ok=True)
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    prompts = ["a red circle rolls to the right across a blue sky",
               "a yellow square bounces on green grass",
               "a white triangle drifts down at dusk"]
    shots = [make_shot(window, p, frames=17) for p in prompts]
    for shot in shots:
        window.panels.undo.push(EditShot(shot.id, settings={"width": 64, "height": 64}))
    window.panels.controller.generate_shot(shots[0].id, 2)
    window.panels.controller.generate_shot(shots[1].id)
    window.panels.controller.generate_shot(shots[2].id)
    wait_idle(qtbot, window)
    # Open a gap before the last clip, as an editor does before filling it.
    track = window.session.project.timeline.tracks[0]
    last = track.clips()[-1]
    moved = Clip(last.name, last.media_id, last.source_range, last.shot_id, last.take_id)
    end = track.range_in_parent(last.id).start
    window.panels.undo.push(Macro("Move", [DeleteClip(last.id, ripple=True),
                                           PlaceClip(track.id, moved, end + 12)]))
    # One job waiting and one held mid-way, so the queue shows every state.
    fake_engine.hold_next()
    with qtbot.waitSignal(window.panels.controller.job_updated, timeout=10000):
        window.panels.controller.generate_shot(shots[1].id)
    window.panels.controller.generate_shot(shots[2].id)
    window.panels.timeline.zoom_to_fit()
    window.panels.timeline.select([track.clips()[0].id])
    window.panels.storyboard.select_shot(shots[0].id)
    qtbot.waitUntil(lambda: not window.background.busy, timeout=20000)
    qtbot.wait(50)  # let queued thumbnail repaints reach the screen (an event pump, not a sleep)

    files = {"main_window.png": window.grab()}
    for name in ("storyboard", "timeline", "queue", "inspector"):
        files[f"{name}.png"] = window.docks[name].grab()
    for name, pixmap in files.items():
        assert pixmap.save(str(out / name)), name
        pixels = image_array(pixmap.toImage())
        assert pixels.std() > 10, f"{name} is blank"
    window.panels.controller.cancel_all()
    print(f"screenshots in {out}")

"""Importing media from the window goes through `studio.media.import_media`: the copy is
named by content, never replaces different footage, and the same file twice is one item."""

from __future__ import annotations

import hashlib

import numpy as np


def test_import_never_reuses_a_file_that_holds_other_content(make_window, qtbot, tmp_path):
    import cv2

    source = tmp_path / "plate.png"
    cv2.imwrite(str(source), np.full((24, 40, 3), (10, 200, 30), np.uint8))
    window = make_window()
    media = window.panels.media
    folder = window.session.bundle_dir() / "media"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    impostor = folder / f"{digest[:16]}.png"
    impostor.write_bytes(b"not the plate at all")  # as if the folder was edited by hand

    with qtbot.waitSignal(media.imported, timeout=60000) as first:
        media.import_paths([source])
    [item] = first.args[0]
    stored = window.session.bundle_dir() / item.path
    assert stored.read_bytes() == source.read_bytes()
    assert impostor.read_bytes() == b"not the plate at all"
    assert (item.width, item.height) == (40, 24) and item.name == "plate.png"

    with qtbot.waitSignal(media.imported, timeout=60000) as again:
        media.import_paths([source])
    assert again.args[0] == [item]
    assert window.session.project.media == [item] and media.list.count() == 1


def test_footage_at_another_rate_is_marked_in_the_media_list(make_window, qtbot, tmp_path):
    from fractions import Fraction

    from studio.media import write_video

    window = make_window()
    media = window.panels.media
    assert window.session.project.rate == 24
    for name, rate in (("plate-24.mp4", Fraction(24)), ("plate-30.mp4", Fraction(30))):
        source = write_video(tmp_path / name, np.zeros((4, 16, 16, 3), np.uint8), rate)
        with qtbot.waitSignal(media.imported, timeout=60000):
            media.import_paths([source])
    same, other = (media.list.item(i) for i in range(2))
    assert "other rate" not in same.text() and "30 fps" in other.text()
    assert "other rate" in other.text()
    assert "at 80.0% of its speed" in other.toolTip()

"""Thumbnails of media files for the storyboard, media pool and takes, decoded off the GUI thread.

Decoded frames come back as numpy arrays; the QImage is made here on the GUI thread and kept
in a small cache keyed by file and frame, so a redraw never decodes.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from studio.ui.background import Background

log = logging.getLogger(__name__)

THUMB_WIDTH = 160
CACHE_SIZE = 256


def _decode(path: Path, frame: int, image: bool) -> np.ndarray:
    if image:
        from studio.media.images import load_image

        rgb = load_image(path)
    else:
        from studio.media.decode import read_frames

        rgb = read_frames(path, start=frame, count=1)[0]
    h, w = rgb.shape[:2]
    width = min(THUMB_WIDTH, w)
    height = max(1, round(h * width / w))
    if (width, height) != (w, h):
        from studio.media.images import resize

        rgb = resize(rgb, (width, height))
    return np.ascontiguousarray(rgb, dtype=np.uint8)


def to_qimage(rgb: np.ndarray) -> QImage:
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class ThumbnailLoader(QObject):
    """Asks the pool for thumbnails and says when each is ready."""

    ready = Signal(str)  # the key (path#frame) that is now in the cache

    def __init__(self, background: Background, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._background = background
        self._cache: OrderedDict[str, QImage] = OrderedDict()
        self._asked: set[str] = set()

    @staticmethod
    def key(path: Path, frame: int = 0) -> str:
        return f"{path}#{frame}"

    def get(self, path: Path, frame: int = 0, image: bool = False) -> QImage | None:
        """The cached thumbnail, or None while it is being made (then `ready` fires)."""
        key = self.key(path, frame)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        if key not in self._asked and path.is_file():
            self._asked.add(key)
            self._background.run(_decode, path, frame, image,
                                 done=self._stored(key), failed=self._failed(key))
        return None

    def _stored(self, key: str) -> Callable[[np.ndarray], None]:
        def store(rgb: np.ndarray) -> None:
            self._asked.discard(key)
            self._cache[key] = to_qimage(rgb)
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
            self.ready.emit(key)
        return store

    def _failed(self, key: str) -> Callable[[BaseException], None]:
        def fail(error: BaseException) -> None:
            log.info("no thumbnail for %s: %s", key, error)
        return fail

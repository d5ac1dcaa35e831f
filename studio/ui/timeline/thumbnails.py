"""Clip thumbnails decoded off the GUI thread.

Workers return plain numpy frames; the GUI thread alone turns them into QPixmaps (QPixmaps
must not cross threads). Items ask `pixmap()` while painting: a ready thumbnail comes back at
once, otherwise decoding starts and `ready` fires when it is done so the view repaints.
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage, QPixmap

from studio.core.model import MediaKind, Project

if TYPE_CHECKING:
    from studio.media import ThumbnailCache

log = logging.getLogger(__name__)

# (absolute path, frame, longest side in pixels) -> an RGB uint8 array of shape (h, w, 3)
Decoder = Callable[[Path, int, int], np.ndarray]

MAX_CACHED = 600  # pixmaps kept in memory; a thumbnail this small costs ~10 KB
CACHE_FOLDER = Path("cache") / "thumbnails"  # inside the bundle; deletable, rebuilt on demand


def rgb_to_qimage(frame: np.ndarray) -> QImage:
    """An (h, w, 3) uint8 RGB array -> a QImage that owns its pixels."""
    array = np.ascontiguousarray(frame[..., :3], dtype=np.uint8)
    height, width = array.shape[:2]
    image = QImage(array.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return image.copy()  # the array goes away; the image must keep its own copy


class ThumbnailProvider(QObject):
    """A small pool of decoding threads in front of an LRU cache of pixmaps."""

    ready = Signal(str)  # media id whose thumbnail just arrived
    _decoded = Signal(object, object)  # (key, array or None), crosses to the GUI thread

    def __init__(
        self,
        project: Project,
        media_root: Path | None = None,
        decode: Decoder | None = None,
        height: int = 48,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.project = project
        self.height = height
        self._decode = decode
        self._disk: ThumbnailCache | None = None
        self.media_root: Path | None = None
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="thumbnails")
        self._cache: OrderedDict[tuple[str, int], QPixmap] = OrderedDict()
        self._pending: set[tuple[str, int]] = set()
        self._failed: set[tuple[str, int]] = set()
        self._decoded.connect(self._on_decoded)
        self.set_media_root(media_root)

    def set_media_root(self, media_root: Path | None) -> None:
        """Where media paths are relative to (the project bundle); clears what was cached."""
        self.media_root = media_root
        # Decoded thumbnails also go to the bundle's cache folder, so a reopened project
        # draws its timeline without decoding again.
        self._disk = None
        if media_root is not None:
            # Imported here: PyAV and OpenCV load on first use, not while the window opens.
            from studio.media import ThumbnailCache

            self._disk = ThumbnailCache(media_root / CACHE_FOLDER)
        self._cache.clear()
        self._failed.clear()

    def pixmap(self, media_id: str, frame: int) -> QPixmap | None:
        key = (media_id, frame)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        if key not in self._pending and key not in self._failed:
            self._request(key)
        # While it decodes, another frame of the same file beats an empty box (after a trim
        # or a split the clip keeps looking like itself).
        nearest = min((k for k in self._cache if k[0] == media_id),
                      key=lambda k: abs(k[1] - frame), default=None)
        return None if nearest is None else self._cache[nearest]

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _request(self, key: tuple[str, int]) -> None:
        if self.media_root is None:
            return
        try:
            media = self.project.media_item(key[0])
        except KeyError:
            return
        path = self.media_root / media.path
        frame = 0 if media.kind is MediaKind.IMAGE else min(key[1], max(0, media.frames - 1))
        aspect = media.width / media.height if media.width > 0 and media.height > 0 else 16 / 9
        longest = max(self.height, round(self.height * aspect))
        self._pending.add(key)
        self._pool.submit(self._work, key, path, frame, longest)

    def _work(self, key: tuple[str, int], path: Path, frame: int, longest: int) -> None:
        # Runs on a pool thread: only plain data leaves it.
        try:
            array: np.ndarray | None
            if self._decode is not None:
                array = self._decode(path, frame, longest)
            elif self._disk is not None:
                array = self._disk.get(path, frame, longest)
            else:
                from studio.media import thumbnail

                array = thumbnail(path, frame, longest)
        # A broken file must not take the timeline down: it just gets no thumbnail.
        except Exception as exc:  # noqa: BLE001
            log.warning("no thumbnail for %s frame %d: %s", path, frame, exc)
            array = None
        with contextlib.suppress(RuntimeError):  # deleted while this frame was decoding
            self._decoded.emit(key, array)

    def _on_decoded(self, key: tuple[str, int], array: np.ndarray | None) -> None:
        self._pending.discard(key)
        if array is None:
            self._failed.add(key)
            return
        self._cache[key] = QPixmap.fromImage(rgb_to_qimage(array))
        while len(self._cache) > MAX_CACHED:
            self._cache.popitem(last=False)
        self.ready.emit(key[0])

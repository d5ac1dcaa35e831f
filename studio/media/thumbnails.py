"""Small pictures of a frame, and a disk cache of them keyed by content, not by file name."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import cv2
import numpy as np

from studio.core.atomic import write_atomic
from studio.media.decode import read_frames
from studio.media.images import resize
from studio.media.ingest import content_hash

log = logging.getLogger(__name__)


def thumbnail(path: str | os.PathLike, frame: int = 0, max_size: int = 160) -> np.ndarray:
    """Frame `frame` as HxWx3 uint8 RGB whose longer side is at most `max_size` pixels
    (aspect kept; small frames are not enlarged)."""
    picture = read_frames(path, frame, 1)[0]
    return fit(picture, max_size)


def fit(picture: np.ndarray, max_size: int) -> np.ndarray:
    if max_size <= 0:
        raise ValueError(f"max_size must be positive, not {max_size}")
    height, width = picture.shape[:2]
    scale = max_size / max(height, width)
    if scale >= 1:
        return picture
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    return resize(picture, size)


class ThumbnailCache:
    """Thumbnails as PNG files in `cache_dir`, named by the source's content hash and frame.

    The same footage under two names shares its thumbnails, and a file changed in place gets
    new ones. Hashes are remembered per (path, size, mtime) so a large file is hashed once.
    Safe to use from several threads.
    """

    def __init__(self, cache_dir: str | os.PathLike) -> None:
        self.cache_dir = Path(cache_dir)
        self._hashes: dict[tuple[str, int, int], str] = {}
        self._lock = threading.Lock()

    def path_for(self, path: str | os.PathLike, frame: int = 0, max_size: int = 160) -> Path:
        """The PNG file holding this thumbnail, made first if it is not there yet."""
        target = self.cache_dir / f"{self._hash(Path(path))[:32]}_f{frame}_s{max_size}.png"
        if not target.exists():
            picture = thumbnail(path, frame, max_size)
            ok, data = cv2.imencode(".png", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
            if not ok:
                raise RuntimeError(f"could not encode a thumbnail of {path}")
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            write_atomic(target, data.tobytes())
            log.debug("cached thumbnail %s", target.name)
        return target

    def get(self, path: str | os.PathLike, frame: int = 0, max_size: int = 160) -> np.ndarray:
        target = self.path_for(path, frame, max_size)
        image = cv2.imread(str(target), cv2.IMREAD_COLOR)
        if image is None:  # damaged by something outside us: make it again
            target.unlink(missing_ok=True)
            image = cv2.imread(str(self.path_for(path, frame, max_size)), cv2.IMREAD_COLOR)
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    def clear(self) -> int:
        """Delete every cached thumbnail; returns how many. (The cache is always rebuildable.)"""
        removed = 0
        if self.cache_dir.is_dir():
            for file in self.cache_dir.glob("*_f*_s*.png"):
                file.unlink(missing_ok=True)
                removed += 1
        return removed

    def _hash(self, path: Path) -> str:
        st = path.stat()
        key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
        with self._lock:
            known = self._hashes.get(key)
        if known is None:
            known = content_hash(path)
            with self._lock:
                self._hashes[key] = known
        return known

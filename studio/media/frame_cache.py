"""Decoded frames kept in memory for playback and scrubbing, bounded by bytes (LRU).

A miss decodes a short run ahead in one pass, so playing forward costs one seek per run
instead of one seek per frame. Frames handed out are read-only: one array may be shown by
several views, and none of them may change it for the others.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path

import numpy as np

from studio.media.decode import iter_frames

log = logging.getLogger(__name__)

Key = tuple[str, int, tuple[int, int] | None]


class FrameCache:
    def __init__(self, max_bytes: int = 512 * 1024**2, readahead: int = 8) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, not {max_bytes}")
        self.max_bytes = max_bytes
        self.readahead = max(1, readahead)
        self._frames: OrderedDict[Key, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def bytes_used(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._frames)

    def has(self, path: str | os.PathLike, frame: int,
            size: tuple[int, int] | None = None) -> bool:
        return self._key(path, frame, size) in self._frames

    def get(self, path: str | os.PathLike, frame: int,
            size: tuple[int, int] | None = None) -> np.ndarray:
        """Frame `frame` of `path` (HxWx3 uint8 RGB, read-only), decoding it on a miss."""
        key = self._key(path, frame, size)
        with self._lock:
            hit = self._frames.get(key)
            if hit is not None:
                self._frames.move_to_end(key)
                return hit
        wanted = None
        for offset, picture in enumerate(iter_frames(path, frame, self.readahead, size=size)):
            picture.flags.writeable = False
            self.put(path, frame + offset, picture, size)
            if offset == 0:
                wanted = picture
        if wanted is None:
            raise IndexError(f"{Path(path).name} has no frame {frame}")
        return wanted

    def put(self, path: str | os.PathLike, frame: int, picture: np.ndarray,
            size: tuple[int, int] | None = None) -> None:
        if picture.nbytes > self.max_bytes:
            return  # larger than the whole cache: caching it would only evict everything
        key = self._key(path, frame, size)
        with self._lock:
            old = self._frames.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._frames[key] = picture
            self._bytes += picture.nbytes
            while self._bytes > self.max_bytes:
                _, evicted = self._frames.popitem(last=False)
                self._bytes -= evicted.nbytes

    def drop(self, path: str | os.PathLike) -> None:
        """Forget every frame of `path` (it was replaced or removed)."""
        name = str(Path(path))
        with self._lock:
            for key in [k for k in self._frames if k[0] == name]:
                self._bytes -= self._frames.pop(key).nbytes

    def clear(self) -> None:
        with self._lock:
            self._frames.clear()
            self._bytes = 0

    @staticmethod
    def _key(path: str | os.PathLike, frame: int, size: tuple[int, int] | None) -> Key:
        return (str(Path(path)), int(frame), tuple(size) if size is not None else None)

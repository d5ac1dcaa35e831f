"""Decoded frames for the viewer, read ahead off the GUI thread.

One decoding thread fills the media layer's `FrameCache` (which decodes a short run ahead on
each miss: decoding forward is what codecs are fast at). Frames cross to the GUI thread as
plain read-only numpy arrays through a queued signal; the GUI keeps references to the ones it
was sent, so showing a frame never decodes or waits on a lock. A seek bumps the generation
so read-ahead for where the playhead used to be stops early.
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PySide6.QtCore import QObject, Signal

from studio.core.model import Project

if TYPE_CHECKING:
    from studio.media import FrameCache

log = logging.getLogger(__name__)

Key = tuple[str, int]  # (media id, frame of that media)

MAX_BYTES = 384 * 1024 * 1024  # decoded frames the viewer holds on to


class FrameLoader(QObject):
    """Cache of decoded frames with background read-ahead."""

    frame_ready = Signal(str, int)  # media id, frame: now in the cache
    frame_failed = Signal(str, int)  # media id, frame: cannot be decoded
    _decoded = Signal(int, str, int, object)  # generation, media id, frame, array
    _finished = Signal(int, str, int, int, str)  # generation, media id, start, count, error

    def __init__(
        self,
        project: Project,
        media_root: Path | None = None,
        frame_cache: FrameCache | None = None,
        max_bytes: int = MAX_BYTES,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.project = project
        self.media_root = media_root
        self.max_bytes = max_bytes
        # Thread-safe; may be shared with other views. Made on first use (see `_frames`).
        self.frame_cache = frame_cache
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="viewer-decode")
        self._cache: OrderedDict[Key, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._pending: set[Key] = set()
        self._failed: set[Key] = set()
        self._generation = 0
        self._decoded.connect(self._on_decoded)
        self._finished.connect(self._on_finished)

    def set_media_root(self, media_root: Path | None) -> None:
        self.media_root = media_root
        self.clear()

    def clear(self) -> None:
        self._generation += 1
        self._cache.clear()
        self._bytes = 0
        self._pending.clear()
        self._failed.clear()

    def shutdown(self) -> None:
        self._generation += 1
        self._pool.shutdown(wait=False, cancel_futures=True)

    def get(self, key: Key) -> np.ndarray | None:
        array = self._cache.get(key)
        if array is not None:
            self._cache.move_to_end(key)
        return array

    def failed(self, key: Key) -> bool:
        return key in self._failed

    def seek(self) -> None:
        """Stop read-ahead that was for another place."""
        self._generation += 1
        self._pending.clear()

    def request(self, keys: Iterable[Key]) -> None:
        """Decode these frames (wanted first, read-ahead after) unless cached or on the way."""
        runs: list[tuple[str, int, int]] = []
        for media_id, frame in keys:
            key = (media_id, frame)
            if key in self._cache or key in self._pending or key in self._failed:
                continue
            self._pending.add(key)
            if runs and runs[-1][0] == media_id and runs[-1][1] + runs[-1][2] == frame:
                runs[-1] = (media_id, runs[-1][1], runs[-1][2] + 1)
            else:
                runs.append((media_id, frame, 1))
        for media_id, start, count in runs:
            path = self._path(media_id)
            if path is None:
                for frame in range(start, start + count):
                    self._pending.discard((media_id, frame))
                    self._failed.add((media_id, frame))
                    self.frame_failed.emit(media_id, frame)
                continue
            self._pool.submit(self._work, self._generation, media_id, path, start, count)

    def _path(self, media_id: str) -> Path | None:
        if self.media_root is None:
            return None
        try:
            return self.media_root / self.project.media_item(media_id).path
        except KeyError:
            return None

    def _work(self, generation: int, media_id: str, path: Path, start: int, count: int) -> None:
        # On the decoding thread: plain data only; stop as soon as the viewer has moved on.
        done, error = 0, ""
        try:
            while done < count and generation == self._generation:
                array = self._frames().get(path, start + done)
                self._decoded.emit(generation, media_id, start + done, array)
                done += 1
        except IndexError:
            pass  # past the end of the file: the frames left over are marked missing below
        # A damaged file shows as offline; it never stops playback.
        except Exception as exc:  # noqa: BLE001
            log.warning("cannot decode %s from frame %d: %s", path, start + done, exc)
            error = str(exc) or type(exc).__name__
        with contextlib.suppress(RuntimeError):  # deleted while this run was decoding
            self._finished.emit(generation, media_id, start + done, count - done, error)

    def _frames(self) -> FrameCache:
        # Only the one decoding thread calls this, so making the cache here needs no lock;
        # importing here keeps PyAV out of the window's start-up.
        if self.frame_cache is None:
            from studio.media import FrameCache

            self.frame_cache = FrameCache(max_bytes=self.max_bytes)
        return self.frame_cache

    def _on_decoded(self, generation: int, media_id: str, frame: int, array: np.ndarray) -> None:
        key = (media_id, frame)
        self._pending.discard(key)
        if key in self._cache:
            return
        self._cache[key] = array
        self._bytes += array.nbytes
        while self._bytes > self.max_bytes and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._bytes -= old.nbytes
        self.frame_ready.emit(media_id, frame)

    def _on_finished(
        self, generation: int, media_id: str, start: int, count: int, error: str
    ) -> None:
        # Frames a current run did not reach are broken or past the file's end; a run stopped
        # by a seek leaves them free to ask for again.
        if error:
            log.debug("frames %d..%d of %s failed: %s", start, start + count - 1, media_id, error)
        for frame in range(start, start + count):
            key = (media_id, frame)
            self._pending.discard(key)
            if generation == self._generation:
                self._failed.add(key)
                self.frame_failed.emit(media_id, frame)

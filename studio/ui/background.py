"""A small pool for short I/O off the GUI thread: thumbnails, probing, listing models.

`Background.run(fn, *args, done=..., failed=...)` calls `fn` on a pool thread and delivers
its plain result (never a QPixmap: those are made by the callback) to `done` on the GUI
thread. Callbacks for work that finishes after `shutdown` are dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

log = logging.getLogger(__name__)


class Background(QObject):
    """Runs callables on a few worker threads; results come back as GUI-thread callbacks."""

    _delivered = Signal(object, object, bool)  # callback, value, ok

    def __init__(self, workers: int = 2, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="studio-io")
        self._closed = False
        self._pending: set[Future] = set()
        # Emitted from pool threads; queued so the callback runs on this object's thread.
        self._delivered.connect(self._on_delivered, Qt.ConnectionType.QueuedConnection)

    def run(
        self,
        fn: Callable[..., Any],
        *args: Any,
        done: Callable[[Any], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> Future | None:
        if self._closed:
            return None
        future = self._pool.submit(fn, *args)
        self._pending.add(future)

        def finished(f: Future) -> None:
            self._pending.discard(f)
            if self._closed or f.cancelled():
                return
            error = f.exception()
            if error is None:
                if done is not None:
                    self._delivered.emit(done, f.result(), True)
            else:
                if failed is not None:
                    self._delivered.emit(failed, error, False)
                else:
                    log.warning("background work failed: %s", error, exc_info=error)

        future.add_done_callback(finished)
        return future

    @property
    def busy(self) -> bool:
        return bool(self._pending)

    def _on_delivered(self, callback: Callable[[Any], None], value: Any, ok: bool) -> None:
        if self._closed:
            return
        try:
            callback(value)
        except Exception:
            log.exception("a background callback failed")

    def shutdown(self) -> None:
        self._closed = True
        for future in list(self._pending):
            future.cancel()
        self._pool.shutdown(wait=True, cancel_futures=True)

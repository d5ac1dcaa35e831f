"""The one bridge between the window and the engine: a QObject living on its own QThread.

The window asks for work with plain calls (`submit`, `cancel`, `cancel_all`); they cross to
the worker thread as queued signals. The worker owns the engine client (which owns the host
process), builds each request there (pins need decoded frames, which is too slow for the GUI
thread), polls the client on a short timer, and re-emits the host's events as Qt signals.
Their receivers live on the GUI thread, so Qt delivers them there. Only plain data crosses:
ids, numbers, strings, small numpy previews and frozen result dataclasses; QImages are made
by the receiver.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QObject, Qt, QThread, QTimer, Signal, Slot

from studio.core.errors import StudioError
from studio.engine.events import (
    JobCancelled,
    JobEvent,
    JobFailed,
    JobFinished,
    JobStarted,
    JobStep,
)

log = logging.getLogger(__name__)

POLL_MS = 15
MAX_EVENTS_PER_POLL = 200  # the rest waits for the next tick, so one tick stays short


class EngineClientLike(Protocol):
    """What the worker needs from `studio.engine.client.EngineClient` (and the test fake)."""

    def submit(self, request: Any, out_path: str | Path, job_id: str | None = None) -> str: ...

    def cancel(self, job_id: str) -> None: ...

    def cancel_all(self) -> None: ...

    def poll(self, timeout: float | None = 0.0) -> JobEvent | None: ...

    def close(self) -> None: ...


ClientFactory = Callable[[], EngineClientLike]
RequestBuilder = Callable[[dict, Path], Any]


class RenderWorker(QObject):
    """Sends jobs to the engine host and reports what happens to them."""

    job_started = Signal(str)
    job_progressed = Signal(str, int, int, float)  # job id, step, total, eta seconds (-1: unknown)
    preview_ready = Signal(str, object)  # job id, uint8 RGB ndarray [h, w, 3]
    job_finished = Signal(str, object)  # job id, TakeResult
    job_failed = Signal(str, str, str)  # job id, kind, message
    job_cancelled = Signal(str)
    engine_failed = Signal(str)  # the engine could not be started at all

    # Requests from the GUI thread; queued onto the worker thread.
    _submit_requested = Signal(str, object, str, str)  # job id, spec dict, bundle dir, out path
    _cancel_requested = Signal(str)
    _cancel_all_requested = Signal()

    def __init__(self, client_factory: ClientFactory, build_request: RequestBuilder) -> None:
        super().__init__()
        self._client_factory = client_factory
        self._build_request = build_request
        self._client: EngineClientLike | None = None
        self._timer: QTimer | None = None
        self._thread = QThread()
        self._thread.setObjectName("render-worker")
        self.moveToThread(self._thread)
        self._thread.started.connect(self._on_thread_started)
        queued = Qt.ConnectionType.QueuedConnection
        self._submit_requested.connect(self._on_submit_requested, queued)
        self._cancel_requested.connect(self._on_cancel_requested, queued)
        self._cancel_all_requested.connect(self._on_cancel_all_requested, queued)
        self._closed = False

    # --- GUI-thread API ----------------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def submit(self, job_id: str, spec: dict, bundle_dir: str | Path, out_path: str | Path) -> None:
        self._submit_requested.emit(job_id, dict(spec), str(bundle_dir), str(out_path))

    def cancel(self, job_id: str) -> None:
        self._cancel_requested.emit(job_id)

    def cancel_all(self) -> None:
        self._cancel_all_requested.emit()

    @property
    def thread(self) -> QThread:
        return self._thread

    def host_pid(self) -> int | None:
        """The engine host's process id, when the client exposes one (for diagnostics)."""
        client = self._client
        return getattr(client, "host_pid", None) if client is not None else None

    def shutdown(self, timeout_ms: int = 15000) -> None:
        """Cancel everything, close the client (which stops the host), and end the thread.

        Runs the close on the worker thread and waits for it, so the host never outlives
        the window; never terminates the thread.
        """
        if self._closed:
            return
        self._closed = True
        if self._thread.isRunning():
            from PySide6.QtCore import QMetaObject

            QMetaObject.invokeMethod(self, "_close", Qt.ConnectionType.BlockingQueuedConnection)
            self._thread.quit()
            if not self._thread.wait(timeout_ms):
                log.error("the render thread did not stop within %d ms", timeout_ms)
        else:
            self._close()

    # --- worker thread -----------------------------------------------------------------------

    @Slot()
    def _on_thread_started(self) -> None:
        try:
            self._client = self._client_factory()
        except Exception as exc:  # the window stays usable for editing without an engine
            log.exception("the engine could not be started")
            self.engine_failed.emit(f"The engine could not be started: {exc}")
            return
        self._timer = QTimer()
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._timer.start()
        log.info("render worker started")

    @Slot(str, object, str, str)
    def _on_submit_requested(self, job_id: str, spec: dict, bundle_dir: str, out_path: str) -> None:
        if self._client is None:
            self.job_failed.emit(job_id, "error", "The engine is not running; see the log file.")
            return
        try:
            request = self._build_request(spec, Path(bundle_dir))
            self._client.submit(request, out_path, job_id)
        except StudioError as exc:
            kind = "bad_input" if getattr(exc, "exit_code", 1) == 2 else "error"
            self.job_failed.emit(job_id, kind, str(exc))
        except Exception as exc:
            log.exception("submitting job %s failed", job_id)
            self.job_failed.emit(job_id, "error", f"The job could not be sent to the engine: {exc}")

    @Slot(str)
    def _on_cancel_requested(self, job_id: str) -> None:
        if self._client is not None:
            self._client.cancel(job_id)

    @Slot()
    def _on_cancel_all_requested(self) -> None:
        if self._client is not None:
            self._client.cancel_all()

    @Slot()
    def _poll(self) -> None:
        client = self._client
        if client is None:
            return
        events: list[JobEvent] = []
        try:
            while len(events) < MAX_EVENTS_PER_POLL:
                event = client.poll(0.0)
                if event is None:
                    break
                events.append(event)
        except Exception:
            log.exception("polling the engine failed")
        # Previews are only worth showing when fresh: keep the last one per job of this batch.
        latest_preview: dict[str, Any] = {}
        for event in events:
            if isinstance(event, JobStep) and event.preview is not None:
                latest_preview[event.job_id] = event.preview
        for event in events:
            self._emit(event)
        for job_id, preview in latest_preview.items():
            self.preview_ready.emit(job_id, preview)

    def _emit(self, event: JobEvent) -> None:
        if isinstance(event, JobStarted):
            self.job_started.emit(event.job_id)
        elif isinstance(event, JobStep):
            eta = -1.0 if event.eta_s is None else float(event.eta_s)
            self.job_progressed.emit(event.job_id, int(event.step), int(event.total), eta)
        elif isinstance(event, JobFinished):
            self.job_finished.emit(event.job_id, event.result)
        elif isinstance(event, JobFailed):
            self.job_failed.emit(event.job_id, event.kind, event.message)
        elif isinstance(event, JobCancelled):
            self.job_cancelled.emit(event.job_id)

    @Slot()
    def _close(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.cancel_all()
        except Exception:
            log.exception("cancelling jobs at shutdown failed")
        try:
            client.close()
        except Exception:
            log.exception("closing the engine client failed")
        log.info("render worker closed")

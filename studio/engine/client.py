"""`EngineClient`: submit generation jobs to the engine host process and follow their events.

Plain Python (no Qt, no torch): the CLI uses it directly and the GUI's RenderWorker wraps it
on its own thread. The client keeps the queue itself and hands the host one job at a time,
so when the host dies (a CUDA fault, a segfault in a decoder, the kernel killing it for
memory) only the running job is lost: it fails with "the engine stopped unexpectedly", a new
host starts, and the queue goes on.

Events come out in order through `poll()` / `events()`: `JobQueued` when submitted, then
`JobStarted`, `JobStep`..., and one of `JobFinished`, `JobFailed`, `JobCancelled`.
"""

from __future__ import annotations

import atexit
import collections
import logging
import multiprocessing
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait as wait_ready
from pathlib import Path
from typing import Any, Self

from studio.core.errors import StudioError
from studio.engine.events import (
    JobCancelled,
    JobEvent,
    JobFailed,
    JobFinished,
    JobQueued,
    JobStarted,
    JobStep,
)
from studio.engine.protocol import (
    CRASH_MESSAGE,
    CancelJob,
    HostOptions,
    HostReady,
    HostStopped,
    StopHost,
    SubmitJob,
    reference,
)
from studio.engine.request import GenerationRequest

log = logging.getLogger(__name__)

TERMINAL = (JobFinished, JobFailed, JobCancelled)
# A host that dies this many times in a row before it is ready is not restarted again until
# the next submit: a broken install must not turn into a restart loop.
MAX_FAILED_STARTS = 3
START_FAILED_MESSAGE = (
    "the engine could not start; see the log file that `studio doctor` names"
)


class _Closed:
    """Marks the end of the event stream."""


_CLOSED = _Closed()


class _HostHandle:
    """One running host process and our ends of its pipes."""

    def __init__(self, options: HostOptions) -> None:
        from studio.engine.host import host_main

        ctx = multiprocessing.get_context("spawn")
        cmd_read, self.commands = ctx.Pipe(duplex=False)
        self.events, evt_write = ctx.Pipe(duplex=False)
        self.process = ctx.Process(
            target=host_main, args=(cmd_read, evt_write, options), name="studio-engine"
        )
        self.process.start()
        # The child holds its own copies now; closing ours lets each side see EOF when the
        # other goes away.
        cmd_read.close()
        evt_write.close()
        self.ready = False
        self.send_lock = threading.Lock()
        log.info("engine host %s started", self.process.pid)

    def send(self, message: Any) -> bool:
        try:
            with self.send_lock:
                self.commands.send(message)
            return True
        except (OSError, ValueError):
            return False  # the host is gone; the supervisor sees it through the sentinel

    def close_pipes(self) -> None:
        self.commands.close()
        self.events.close()

    def stop(self, timeout: float) -> None:
        """Ask the host to exit, wait, and only then terminate or kill it."""
        self.send(StopHost())
        self.process.join(timeout)
        if self.process.is_alive():
            log.warning("engine host %s did not stop in %.0f s; terminating", self.process.pid, timeout)
            self.process.terminate()
            self.process.join(2.0)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(2.0)
        self.close_pipes()
        self.process.close()


class EngineClient:
    """Runs jobs in a supervised engine host process.

    `job` names the host's job function (module:attribute or a module-level callable with the
    runner's signature); tests use it to wrap the runner. With `start=False` the host starts
    on the first submit instead of now.
    """

    def __init__(
        self,
        *,
        job: str | Callable[..., Any] | None = None,
        cache: str | None = None,
        start: bool = True,
    ) -> None:
        defaults = HostOptions()
        self._options = HostOptions(
            job=reference(job) if job is not None else defaults.job,
            cache=defaults.cache if cache is None else cache,
        )
        self._lock = threading.Lock()
        self._pending: collections.deque[SubmitJob] = collections.deque()
        self._running: str | None = None
        self._events: queue.Queue[JobEvent | _Closed] = queue.Queue()
        self._host: _HostHandle | None = None
        self._closing = False
        self._closed = False
        self._failed_starts = 0
        self._stop_timeout = 10.0
        self._want_host = start
        self._wake_read, self._wake_write = os.pipe()
        self._supervisor = threading.Thread(
            target=self._supervise, name="engine-supervisor", daemon=True
        )
        self._supervisor.start()
        atexit.register(self.close)

    # --- public API --------------------------------------------------------------------

    def submit(
        self,
        request: GenerationRequest,
        out_path: str | os.PathLike[str],
        job_id: str | None = None,
        *,
        latents_path: str | os.PathLike[str] | None = None,
    ) -> str:
        """Queue a job; returns its id. The video is written to `out_path` when it finishes
        (its recipe beside it); `latents_path` says where to keep its latents."""
        if not isinstance(request, GenerationRequest):
            raise TypeError(f"submit needs a GenerationRequest, not {type(request).__name__}")
        job_id = job_id or uuid.uuid4().hex[:12]
        latents = str(Path(latents_path).absolute()) if latents_path else ""
        job = SubmitJob(job_id, request, str(Path(out_path).absolute()), latents)
        with self._lock:
            if self._closing:
                raise StudioError("the engine is shut down; start it again to generate")
            if job_id == self._running or any(p.job_id == job_id for p in self._pending):
                raise ValueError(f"a job with id {job_id} is already queued")
            self._pending.append(job)
            self._want_host = True
            self._failed_starts = 0
            self._events.put(JobQueued(job_id))
        self._wake()
        return job_id

    def cancel(self, job_id: str) -> bool:
        """Cancel a queued or running job; False if it is neither (already over)."""
        with self._lock:
            for job in self._pending:
                if job.job_id == job_id:
                    self._pending.remove(job)
                    self._events.put(JobCancelled(job_id))
                    return True
            host = self._host if self._running == job_id else None
        if host is None:
            return False
        host.send(CancelJob(job_id))
        return True

    def cancel_all(self) -> None:
        with self._lock:
            while self._pending:
                self._events.put(JobCancelled(self._pending.popleft().job_id))
            running, host = self._running, self._host
        if running is not None and host is not None:
            host.send(CancelJob(running))

    def poll(self, timeout: float | None = 0.0) -> JobEvent | None:
        """The next event, waiting up to `timeout` seconds (None: until one comes)."""
        try:
            event = self._events.get(timeout=timeout) if timeout != 0 else self._events.get_nowait()
        except queue.Empty:
            return None
        if isinstance(event, _Closed):
            self._events.put(event)  # keep the end marker for any other reader
            return None
        return event

    def events(self, timeout: float | None = None) -> Iterator[JobEvent]:
        """Events as they come; ends after `timeout` seconds without one, or after close()."""
        while True:
            try:
                event = self._events.get(timeout=timeout)
            except queue.Empty:
                return
            if isinstance(event, _Closed):
                self._events.put(event)
                return
            yield event

    def wait(self, job_id: str, timeout: float | None = None, on_event: Callable[[JobEvent], None] | None = None) -> JobEvent:
        """Follow events until `job_id` ends; returns its final event.

        Events of other jobs are passed to `on_event` too and are consumed. Raises
        TimeoutError when nothing arrives for `timeout` seconds.
        """
        for event in self.events(timeout):
            if on_event is not None:
                on_event(event)
            if isinstance(event, TERMINAL) and event.job_id == job_id:
                return event
        if self._closed:
            raise StudioError("the engine was shut down before the job ended")
        raise TimeoutError(f"no word from the engine about job {job_id} for {timeout} s")

    @property
    def host_pid(self) -> int | None:
        """The running host's process id (None before it starts or after close)."""
        host = self._host
        return host.process.pid if host is not None and host.process.is_alive() else None

    @property
    def running_job(self) -> str | None:
        return self._running

    @property
    def pending_jobs(self) -> list[str]:
        with self._lock:
            return [job.job_id for job in self._pending]

    def close(self, timeout: float = 10.0) -> None:
        """Cancel everything, ask the host to stop, and wait for it (then kill if it hangs)."""
        with self._lock:
            if self._closing:
                already = True
            else:
                already = False
                self._closing = True
                while self._pending:
                    self._events.put(JobCancelled(self._pending.popleft().job_id))
        if already:
            self._supervisor.join(timeout)
            return
        atexit.unregister(self.close)
        self._stop_timeout = timeout
        self._wake()
        self._supervisor.join(timeout + 5.0)
        os.close(self._wake_read)
        os.close(self._wake_write)
        self._closed = True
        self._events.put(_CLOSED)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- supervisor thread -------------------------------------------------------------

    def _wake(self) -> None:
        try:
            os.write(self._wake_write, b"x")
        except OSError:
            pass  # closed: the supervisor has already finished

    def _supervise(self) -> None:
        try:
            while not self._closing:
                host = self._ensure_host()
                if host is not None:
                    self._dispatch(host)
                waitables: list[Any] = [self._wake_read]
                if host is not None:
                    waitables += [host.events, host.process.sentinel]
                # With no host but work waiting (a start failed), try again in a moment.
                retry = 1.0 if host is None and self._want_host and self._pending else None
                ready = wait_ready(waitables, retry)
                if self._wake_read in ready:
                    os.read(self._wake_read, 4096)
                if host is not None:
                    self._service(host, host.process.sentinel in ready)
        except Exception:  # the supervisor must never die silently: say so, fail the jobs
            log.exception("the engine supervisor failed")
            with self._lock:
                self._closing = True  # later submits are refused instead of waiting forever
            self._fail_all("error", "the engine supervisor failed; see the log file")
        finally:
            self._shutdown_host()

    def _ensure_host(self) -> _HostHandle | None:
        with self._lock:
            if self._host is not None:
                return self._host
            if not self._want_host or self._failed_starts >= MAX_FAILED_STARTS:
                return None
        try:
            host = _HostHandle(self._options)
        except OSError:  # out of processes or file handles: counted like a host that died
            log.exception("the engine host could not be started")
            with self._lock:
                self._failed_starts += 1
                gave_up = self._failed_starts >= MAX_FAILED_STARTS
            if gave_up:
                self._fail_all("crash", START_FAILED_MESSAGE)
            return None
        with self._lock:
            self._host = host
        return host

    def _dispatch(self, host: _HostHandle) -> None:
        with self._lock:
            if self._running is not None or not self._pending or self._closing:
                return
            job = self._pending.popleft()
            self._running = job.job_id
        host.send(job)

    def _service(self, host: _HostHandle, died: bool) -> None:
        """Read what the host sent; if it died, fail its job and forget it."""
        while True:
            try:
                if not host.events.poll(0):
                    break
                message = host.events.recv()
            except (EOFError, OSError):
                died = True
                break
            self._handle(host, message)
        if died or not host.process.is_alive():
            self._on_host_died(host)

    def _handle(self, host: _HostHandle, message: Any) -> None:
        if isinstance(message, HostReady):
            host.ready = True
            self._failed_starts = 0
            return
        if isinstance(message, HostStopped):
            return
        if isinstance(message, TERMINAL):
            with self._lock:
                if self._running == message.job_id:
                    self._running = None
        if isinstance(message, (JobStarted, JobStep, *TERMINAL)):
            self._events.put(message)
        else:
            log.warning("ignored an unknown message from the engine host: %r", type(message).__name__)

    def _on_host_died(self, host: _HostHandle) -> None:
        host.process.join(5.0)
        if host.process.is_alive():  # it closed its pipe but hangs: it cannot work for us
            host.process.kill()
            host.process.join(5.0)
        log.error(
            "engine host %s stopped unexpectedly (exit code %s)",
            host.process.pid,
            host.process.exitcode,
        )
        with self._lock:
            self._host = None
            running, self._running = self._running, None
            if not host.ready:
                self._failed_starts += 1
            gave_up = self._failed_starts >= MAX_FAILED_STARTS
        if running is not None:
            self._events.put(JobFailed(running, "crash", CRASH_MESSAGE))
        if gave_up:
            self._fail_all("crash", START_FAILED_MESSAGE)
        host.close_pipes()
        host.process.close()

    def _fail_all(self, kind: str, message: str) -> None:
        with self._lock:
            jobs = list(self._pending)
            self._pending.clear()
            running, self._running = self._running, None
        for job_id in ([running] if running else []) + [job.job_id for job in jobs]:
            self._events.put(JobFailed(job_id, kind, message))

    def _shutdown_host(self) -> None:
        with self._lock:
            host, self._host = self._host, None
        if host is not None:
            host.send(StopHost())
            self._drain_until_exit(host, timeout=self._stop_timeout)
            host.stop(timeout=1.0)
        with self._lock:
            running, self._running = self._running, None
        if running is not None:  # the host was killed before it could say so
            self._events.put(JobCancelled(running))

    def _drain_until_exit(self, host: _HostHandle, timeout: float) -> None:
        """Pass on the events the host sends while it stops (the running job's cancel),
        then give it the rest of `timeout` to exit (freeing a GPU's memory takes a moment)."""
        deadline = time.monotonic() + timeout
        open_pipe = True
        while open_pipe and host.process.is_alive() and time.monotonic() < deadline:
            if not wait_ready([host.events, host.process.sentinel], deadline - time.monotonic()):
                break
            try:
                while host.events.poll(0):
                    self._handle(host, host.events.recv())
            except (EOFError, OSError):
                open_pipe = False
        host.process.join(max(0.0, deadline - time.monotonic()))

"""The engine host: the child process that runs generation jobs, one at a time.

`EngineClient` starts it with the spawn start method (a fresh interpreter: no CUDA state or
Qt copied from the parent) and talks to it over two one-way pipes. The host keeps one
`PipelineCache` for its whole life, so a second job on the same model finds its pipeline
warm. A reader thread takes commands while the main thread runs the job, which is how a
cancel reaches a job within one denoising step: the runner asks `is_cancelled()` after every
step.

If the client goes away (its end of the command pipe closes), the host cancels what it is
doing and exits, so a crashed GUI never leaves an engine holding the GPU.
"""

from __future__ import annotations

import importlib
import logging
import os
import queue
import signal
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from studio.core.errors import BadInput, StudioError
from studio.engine.events import (
    JobCancelled,
    JobCancelledError,
    JobFailed,
    JobFinished,
    JobStarted,
    JobStep,
    StepInfo,
)
from studio.engine.protocol import (
    CancelJob,
    HostOptions,
    HostReady,
    HostStopped,
    StopHost,
    SubmitJob,
    resolve,
)

log = logging.getLogger(__name__)


def host_main(commands: Connection, events: Connection, options: HostOptions) -> None:
    """The child process's entry point (a module-level function so spawn can name it)."""
    from studio.core.logs import setup_logging

    # Ctrl-C in a terminal reaches the whole process group; the client decides what a
    # Ctrl-C means (cancel the job, then stop the host), so the host does not die of it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    setup_logging()
    _quiet_libraries_before_import()
    log.info("engine host %d starting (job %s)", os.getpid(), options.job)
    _Host(commands, events, options).serve()
    log.info("engine host %d stopped", os.getpid())


class _Host:
    def __init__(self, commands: Connection, events: Connection, options: HostOptions) -> None:
        self._commands = commands
        self._events = events
        self._options = options
        self._jobs: queue.Queue[SubmitJob | None] = queue.Queue()
        self._lock = threading.Lock()
        # Ids cancelled before or while they run. A cancel can overtake its own submit (the
        # client sends them from different threads), so ids wait here until their job ends.
        self._cancelled: set[str] = set()
        self._send_lock = threading.Lock()
        self._job_fn: Callable[..., Any] | None = None
        self._cache: Any = None
        self._setup_error = ""
        self._stopping = False  # set on StopHost or when the client goes away

    # --- main thread -------------------------------------------------------------------

    def serve(self) -> None:
        reader = threading.Thread(target=self._read_commands, name="engine-commands", daemon=True)
        reader.start()
        self._load()
        if not self._send(HostReady(os.getpid())):
            return
        while True:
            job = self._jobs.get()
            if job is None:
                break
            self._run(job)
        self._drain_unstarted()
        self._send(HostStopped(os.getpid()))
        self._close_cache()

    def _load(self) -> None:
        """Import the job function and build the cache; a failure fails each job, clearly."""
        try:
            self._job_fn = resolve(self._options.job)
            if self._options.cache:
                self._cache = resolve(self._options.cache)()
            _quiet_libraries_after_import()
        except Exception as exc:  # the host must stay up to say why every job fails
            log.exception("the engine host could not load %s", self._options.job)
            self._setup_error = f"the engine could not start ({type(exc).__name__}: {exc})"

    def _run(self, job: SubmitJob) -> None:
        job_id = job.job_id
        if not self._send(JobStarted(job_id)):
            return
        if self._is_cancelled(job_id):
            self._finish(job_id, JobCancelled(job_id))
            return
        if self._job_fn is None:
            self._finish(job_id, JobFailed(job_id, "error", self._setup_error))
            return
        log.info("job %s started: %s, %d frames", job_id, job.request.model, job.request.frames)

        def on_step(info: StepInfo) -> None:
            self._send(JobStep.from_info(job_id, info))

        extra = {"latents_path": job.latents_path} if job.latents_path else {}
        try:
            result = self._job_fn(
                job.request,
                job.out_path,
                on_step=on_step,
                is_cancelled=lambda: self._is_cancelled(job_id),
                cache=self._cache,
                **extra,
            )
        except JobCancelledError:
            event: Any = JobCancelled(job_id)
        except BadInput as exc:
            event = JobFailed(job_id, "bad_input", str(exc))
        except StudioError as exc:
            event = JobFailed(job_id, "error", str(exc))
        except Exception as exc:  # any failure in a job is that job's, never the host's
            log.exception("job %s failed", job_id)
            event = JobFailed(job_id, "error", f"the generation failed ({type(exc).__name__}: {exc})")
        else:
            if self._is_cancelled(job_id):
                # The cancel came during the final decode: the user asked for no take, so
                # the file that was just written is removed rather than half-honoured.
                _remove_outputs(result.path, result.recipe_path)
                event = JobCancelled(job_id)
            else:
                event = JobFinished(job_id, result)
        self._finish(job_id, event)

    def _finish(self, job_id: str, event: Any) -> None:
        log.info("job %s: %s", job_id, type(event).__name__)
        self._send(event)
        with self._lock:
            self._cancelled.discard(job_id)

    def _drain_unstarted(self) -> None:
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                return
            if job is not None:
                self._send(JobCancelled(job.job_id))

    def _close_cache(self) -> None:
        clear = getattr(self._cache, "clear", None)
        if callable(clear):
            try:
                clear()
            except Exception:  # shutting down; the process is about to release everything
                log.exception("clearing the pipeline cache failed")

    def _send(self, message: Any) -> bool:
        try:
            with self._send_lock:
                self._events.send(message)
            return True
        except (OSError, EOFError, ValueError):
            # The client is gone: nobody will read results, so stop working for it.
            log.warning("the engine client went away; the host stops")
            self._stop_everything()
            return False

    # --- reader thread -----------------------------------------------------------------

    def _read_commands(self) -> None:
        while True:
            try:
                message = self._commands.recv()
            except (EOFError, OSError):
                log.info("the engine client closed the command pipe")
                self._stop_everything()
                return
            if isinstance(message, SubmitJob):
                self._jobs.put(message)
            elif isinstance(message, CancelJob):
                with self._lock:
                    self._cancelled.add(message.job_id)
            elif isinstance(message, StopHost):
                self._stop_everything()
                return
            else:
                log.warning("the engine host ignored an unknown message %r", type(message).__name__)

    def _stop_everything(self) -> None:
        with self._lock:
            self._stopping = True
        self._jobs.put(None)

    def _is_cancelled(self, job_id: str) -> bool:
        with self._lock:
            return self._stopping or job_id in self._cancelled


def _quiet_libraries_before_import() -> None:
    """Keep the libraries' own progress bars and advice off the user's terminal.

    The client shows one progress bar for the job; bars for "loading weights" and warnings
    about deprecated arguments from inside diffusers and transformers would break it up.
    Their warnings still reach the studio's log file.
    """
    for name in ("DIFFUSERS_VERBOSITY", "TRANSFORMERS_VERBOSITY"):
        os.environ.setdefault(name, "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    logging.captureWarnings(True)
    warnings_log = logging.getLogger("py.warnings")
    warnings_log.propagate = False
    for handler in logging.getLogger("studio").handlers:
        if isinstance(handler, logging.FileHandler):
            warnings_log.addHandler(handler)
    if not warnings_log.handlers:
        warnings_log.addHandler(logging.NullHandler())


def _quiet_libraries_after_import() -> None:
    if "torch" not in sys.modules:
        return  # a job that runs no model (tests' stand-ins) needs neither library
    # Imported now rather than by the first job: the host warms up before work arrives.
    for name in ("diffusers.utils.logging", "transformers.utils.logging"):
        try:
            importlib.import_module(name).disable_progress_bar()
        except ImportError:
            log.info("%s is not installed", name.split(".")[0])


def _remove_outputs(*paths: str) -> None:
    for path in paths:
        if path:
            Path(path).unlink(missing_ok=True)

"""A scriptable stand-in for `studio.engine.client.EngineClient`, for tests about the window.

It speaks the same calls (submit / cancel / cancel_all / poll / close) and the same event
dataclasses, and writes a real little video for each finished job, so everything after the
engine (media, takes, the timeline, the viewer) runs for real. Each `poll` moves the running
job one step, so a test drives it with the worker's timer and `qtbot.waitSignal`, never sleeps.
A test can hold the next job at its first step (to cancel it), make it fail, or make the
"host" crash.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from studio.core.model import Recipe
from studio.engine.events import (
    JobCancelled,
    JobEvent,
    JobFailed,
    JobFinished,
    JobQueued,
    JobStarted,
    JobStep,
    TakeResult,
)
from studio.engine.request import GenerationRequest

CRASH = "the engine stopped unexpectedly"


def write_clip(path: Path, frames: np.ndarray, fps: Fraction) -> None:
    """Encode uint8 RGB frames [T, H, W, 3] to an H.264 file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part" + path.suffix)
    with av.open(str(tmp), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "10"}
        for rgb in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    tmp.replace(path)


def frames_for(request: GenerationRequest) -> np.ndarray:
    """Distinct, seed-coloured frames with a moving bar so takes look different."""
    count, h, w = request.output_frames, request.height, request.width
    rng = np.random.default_rng(request.seed)
    colour = rng.integers(40, 216, size=3, dtype=np.uint8)
    frames = np.empty((count, h, w, 3), np.uint8)
    frames[:] = colour
    for t in range(count):
        x = (t * max(1, w // max(count, 1))) % w
        frames[t, :, x: x + max(2, w // 8)] = 255 - colour
    return frames


@dataclass
class _Running:
    job_id: str
    request: GenerationRequest
    out_path: Path
    step: int = 0
    started: bool = False


@dataclass
class FakeEngineClient:
    steps: int = 3
    submitted: list[tuple[str, GenerationRequest]] = field(default_factory=list)
    closed: bool = False
    host_pid: int | None = None

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: deque[_Running] = deque()
        self._running: _Running | None = None
        self._events: list[JobEvent] = []
        self._hold_next = False
        self._held: str | None = None
        self._fail_next: tuple[str, str] | None = None
        self._crash_next = False
        self._poll_skip = 0

    # --- script ------------------------------------------------------------------------------

    def hold_next(self) -> None:
        """The next job stops after its first step until `release()` or a cancel."""
        with self._lock:
            self._hold_next = True

    def release(self) -> None:
        with self._lock:
            self._held = None

    def fail_next(self, message: str, kind: str = "error") -> None:
        with self._lock:
            self._fail_next = (kind, message)

    def crash_running(self) -> None:
        """The host dies under the running job: it fails with the crash message."""
        with self._lock:
            self._crash_next = True
            self._held = None

    # --- EngineClient interface --------------------------------------------------------------

    def submit(self, request: GenerationRequest, out_path: str | Path, job_id: str | None = None) -> str:
        assert job_id, "the studio always names its jobs"
        with self._lock:
            self.submitted.append((job_id, request))
            self._pending.append(_Running(job_id, request, Path(out_path)))
            self._events.append(JobQueued(job_id))
        return job_id

    def cancel(self, job_id: str) -> None:
        with self._lock:
            if self._running is not None and self._running.job_id == job_id:
                self._running, self._held = None, None
                self._events.append(JobCancelled(job_id))
                return
            for job in list(self._pending):
                if job.job_id == job_id:
                    self._pending.remove(job)
                    self._events.append(JobCancelled(job_id))

    def cancel_all(self) -> None:
        with self._lock:
            ids = [j.job_id for j in self._pending]
            if self._running is not None:
                ids.insert(0, self._running.job_id)
            self._pending.clear()
            self._running, self._held = None, None
            self._events.extend(JobCancelled(i) for i in ids)

    def poll(self, timeout: float | None = 0.0) -> JobEvent | None:
        """One event; the pretend job moves a step only when nothing is waiting."""
        with self._lock:
            if not self._events:
                if self._poll_skip:
                    self._poll_skip -= 1
                    return None
                self._poll_skip = 1  # a beat between steps, as a real engine has
                self._advance()
            return self._events.pop(0) if self._events else None

    def close(self) -> None:
        self.cancel_all()
        self.closed = True

    # --- the pretend engine ------------------------------------------------------------------

    def _advance(self) -> None:
        if self._running is None:
            if not self._pending:
                return
            self._running = self._pending.popleft()
        job = self._running
        if not job.started:
            job.started = True
            self._events.append(JobStarted(job.job_id))
            if self._hold_next:
                self._hold_next, self._held = False, job.job_id
            return
        if self._crash_next:
            self._crash_next, self._running = False, None
            self._events.append(JobFailed(job.job_id, "crash", CRASH))
            return
        if self._held == job.job_id and job.step >= 1:
            return
        if job.step < self.steps:
            job.step += 1
            frames = frames_for(job.request)
            preview = frames[min(job.step, len(frames) - 1), ::2, ::2].copy()
            self._events.append(JobStep(job.job_id, job.step, self.steps,
                                        0.1 * (self.steps - job.step), preview))
            return
        self._running = None
        if self._fail_next is not None:
            kind, message = self._fail_next
            self._fail_next = None
            self._events.append(JobFailed(job.job_id, kind, message))
            return
        self._events.append(JobFinished(job.job_id, self._write(job)))

    def _write(self, job: _Running) -> TakeResult:
        request = job.request
        frames = frames_for(request)
        write_clip(job.out_path, frames, request.fps)
        recipe = Recipe(
            model=request.model, mode=request.mode, prompt=request.prompt,
            negative_prompt=request.negative_prompt, width=request.width,
            height=request.height, frames=len(frames), fps=request.fps, steps=request.steps,
            guidance=request.guidance, seed=request.seed, preset=request.preset,
            pins=tuple(pin.record() for pin in request.pins),
        )
        return TakeResult(str(job.out_path), str(job.out_path) + ".recipe.json", len(frames),
                          request.width, request.height, request.fps, recipe)

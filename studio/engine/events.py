"""What the engine says about a job: plain frozen data that can cross threads and processes.

No torch here: previews are small uint8 numpy images, results are paths and a `Recipe`.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from studio.core.errors import StudioError
from studio.core.model import Recipe


class JobCancelledError(StudioError):
    """The job was cancelled; nothing was written."""

    def __init__(self, message: str = "the job was cancelled") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class TakeResult:
    """A finished generation: the video file, its recipe sidecar, and what they hold."""

    path: str
    recipe_path: str
    frames: int
    width: int
    height: int
    fps: Fraction
    recipe: Recipe
    notes: tuple[str, ...] = ()  # things the user should know (rounding, colour correction...)
    latents_path: str = ""  # saved latents of the last window ("" when not kept)


@dataclass(frozen=True, eq=False)
class StepInfo:
    """Progress of a running job, as the runner reports it to `on_step`.

    `step` counts finished denoising steps over the whole job (all windows of a long shot),
    out of `total`. `preview` is a small uint8 RGB image [h, w, 3] or None when this step's
    preview was skipped to keep previews cheap.
    """

    step: int
    total: int
    eta_s: float | None
    preview: np.ndarray | None = None


@dataclass(frozen=True)
class JobQueued:
    job_id: str


@dataclass(frozen=True)
class JobStarted:
    job_id: str


@dataclass(frozen=True, eq=False)
class JobStep:
    job_id: str
    step: int
    total: int
    eta_s: float | None
    preview: np.ndarray | None = None

    @classmethod
    def from_info(cls, job_id: str, info: StepInfo) -> JobStep:
        return cls(job_id, info.step, info.total, info.eta_s, info.preview)


@dataclass(frozen=True)
class JobFinished:
    job_id: str
    result: TakeResult


@dataclass(frozen=True)
class JobFailed:
    """`kind`: "bad_input" (the request cannot be done), "error" (it failed while running),
    "crash" (the engine process stopped unexpectedly)."""

    job_id: str
    kind: str
    message: str


@dataclass(frozen=True)
class JobCancelled:
    job_id: str


JobEvent = JobQueued | JobStarted | JobStep | JobFinished | JobFailed | JobCancelled

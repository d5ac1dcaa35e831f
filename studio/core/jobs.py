"""The job queue's state: what is waiting, running and done. Saved with the project.

This is bookkeeping only; the engine host does the work and reports back through
`JobQueue.update`, which checks that each state change is one a job can make.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from psygnal import Signal, SignalGroup


class JobState(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def done(self) -> bool:
        return self in (JobState.FINISHED, JobState.FAILED, JobState.CANCELLED)


_ALLOWED = {
    JobState.QUEUED: {JobState.RUNNING, JobState.CANCELLED, JobState.FAILED},
    JobState.RUNNING: {JobState.FINISHED, JobState.FAILED, JobState.CANCELLED, JobState.QUEUED},
    JobState.FINISHED: set(),
    JobState.FAILED: {JobState.QUEUED},  # retry
    JobState.CANCELLED: {JobState.QUEUED},  # retry
}


class JobStateError(ValueError):
    pass


@dataclass
class Job:
    """One generation asked for. `request` is plain data (the engine's request as a dict);
    `placement` says where the result lands, e.g. {"track": id, "at": frame}."""

    shot_id: str
    request: dict[str, Any]
    label: str = ""
    placement: dict[str, Any] = field(default_factory=dict)
    state: JobState = JobState.QUEUED
    progress: float = 0.0
    message: str = ""
    take_id: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])


class JobEvents(SignalGroup):
    job_added = Signal(object)
    job_changed = Signal(object)
    job_removed = Signal(object)
    jobs_reordered = Signal()
    # The saved queue changed (a job came, went, moved or changed state); progress alone does
    # not count, so a running job's updates never hold back the autosave of other edits.
    queue_changed = Signal()


@dataclass
class JobQueue:
    jobs: list[Job] = field(default_factory=list)
    events: JobEvents = field(default_factory=JobEvents, compare=False, repr=False)

    def add(self, job: Job) -> Job:
        self.jobs.append(job)
        self.events.job_added.emit(job)
        self.events.queue_changed.emit()
        return job

    def get(self, job_id: str) -> Job:
        for job in self.jobs:
            if job.id == job_id:
                return job
        raise KeyError(f"no job {job_id}")

    def next_queued(self) -> Job | None:
        return next((job for job in self.jobs if job.state is JobState.QUEUED), None)

    def update(self, job_id: str, state: JobState | None = None, **fields: Any) -> Job:
        job = self.get(job_id)
        state_changed = state is not None and state is not job.state
        if state_changed:
            if state not in _ALLOWED[job.state]:
                raise JobStateError(f"a {job.state.value} job cannot become {state.value}")
            job.state = state
            if state is JobState.QUEUED:
                job.progress, job.message = 0.0, ""
        for name, value in fields.items():
            if not hasattr(job, name) or name in ("id", "state"):
                raise AttributeError(f"a job has no field {name!r} to update")
            setattr(job, name, value)
        self.events.job_changed.emit(job)
        if state_changed:
            self.events.queue_changed.emit()
        return job

    def move(self, job_id: str, index: int) -> None:
        job = self.get(job_id)
        self.jobs.remove(job)
        self.jobs.insert(max(0, min(index, len(self.jobs))), job)
        self.events.jobs_reordered.emit()
        self.events.queue_changed.emit()

    def remove(self, job_id: str) -> None:
        job = self.get(job_id)
        if job.state is JobState.RUNNING:
            raise JobStateError("a running job must be cancelled before it is removed")
        self.jobs.remove(job)
        self.events.job_removed.emit(job)
        self.events.queue_changed.emit()

    def recover_after_restart(self) -> None:
        """A job that was running when the studio stopped runs again from the start."""
        for job in self.jobs:
            if job.state is JobState.RUNNING:
                self.update(job.id, JobState.QUEUED)

"""From "generate this" to a take on the timeline.

`GenerationController` turns a shot, an extend or a fill-gap request into queued `Job`s,
sends one job at a time to the render worker (so the queue's order, cancel and retry stay
ours), follows the worker's signals into the job queue's states, and when a job finishes
adds its media and take and places the clip where the job's `placement` says, as one undo
step. It lives on the GUI thread; the worker does the slow parts.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from studio.core.edits import AddMedia, AddShot, AddTake, Macro, PlaceClip
from studio.core.errors import BadInput
from studio.core.jobs import Job, JobState
from studio.core.model import Clip, FrameRange, Gap, MediaItem, Mode, Project, Shot, Take
from studio.core.plugins import PluginRegistry
from studio.core.prompt_filters import PromptRefused, check_prompt
from studio.engine.takes import take_from_result
from studio.ui import job_specs
from studio.ui.render_worker import RenderWorker
from studio.ui.undo_actions import UndoActions

log = logging.getLogger(__name__)

CRASH_MESSAGE = "The engine stopped unexpectedly; it has been restarted."


def preview_image(array: Any) -> QImage:
    """A QImage (owning its pixels) from a uint8 RGB array; made on the GUI thread."""
    import numpy as np

    rgb = np.ascontiguousarray(array, dtype=np.uint8)
    h, w = rgb.shape[:2]
    return QImage(rgb.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()


class GenerationController(QObject):
    """Queues generation jobs for one project and lands their results."""

    job_updated = Signal(str)  # job id: progress, ETA or preview changed
    preview_ready = Signal(str, QImage)  # job id, live preview of the running job
    take_landed = Signal(str, str)  # shot id, take id
    message = Signal(str)  # a line for the status bar
    prompt_refused = Signal(str, str, str)  # shot name, rule, message: nothing was queued

    def __init__(
        self,
        project: Project,
        undo: UndoActions,
        worker: RenderWorker,
        bundle_dir: Callable[[], Path],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.project = project
        self.undo = undo
        self.worker = worker
        self._bundle_dir = bundle_dir
        self.running: str | None = None
        # (spatial, temporal) size rule of a model id, when known (set by the window from the
        # model catalog): extends and fills are fitted to it.
        self.rule_for: Callable[[str], tuple[int, int] | None] = lambda model: None
        # The window's plugin registry, for the prompt filters (None: discover per check).
        self.registry_for: Callable[[], PluginRegistry | None] = lambda: None
        self.etas: dict[str, float] = {}
        self.previews: dict[str, QImage] = {}
        self._connections = [
            (worker.job_started, self._on_worker_job_started),
            (worker.job_progressed, self._on_worker_job_progressed),
            (worker.preview_ready, self._on_worker_preview_ready),
            (worker.job_finished, self._on_worker_job_finished),
            (worker.job_failed, self._on_worker_job_failed),
            (worker.job_cancelled, self._on_worker_job_cancelled),
        ]
        for signal, slot in self._connections:
            signal.connect(slot)

    def detach(self) -> None:
        """Stop listening to the worker (the window is switching projects)."""
        for signal, slot in self._connections:
            signal.disconnect(slot)
        self._connections = []
        self.running = None

    @property
    def jobs(self):
        return self.project.jobs

    # --- asking for work ---------------------------------------------------------------------

    def generate_shot(self, shot_id: str, count: int = 1) -> list[Job]:
        """Queue `count` takes of a shot; the first lands on the timeline if the shot has none."""
        shot = self.project.shot(shot_id)
        if not shot.prompt.strip():
            raise BadInput(f"shot {shot.name!r} has no prompt; describe it in the inspector first")
        on_timeline = any(c.shot_id == shot.id for t in self.project.timeline.tracks
                          for c in t.clips())
        queued_for_shot = any(j.shot_id == shot.id and not j.state.done for j in self.jobs.jobs)
        self._check_prompt(shot.name, shot.prompt, shot.negative_prompt)
        jobs = []
        fresh = shot.mode in (Mode.TEXT, Mode.IMAGE)  # extends and fills have their place
        for i in range(count):
            spec = job_specs.shot_spec(self.project, shot, job_specs.next_seed(shot.settings, i),
                                       self._temporal(shot.model))
            placement: dict[str, Any] = {}
            if i == 0 and fresh and not on_timeline and not queued_for_shot:
                placement = {"track": self.project.timeline.tracks[0].id, "at": "end"}
            jobs.append(self._enqueue(shot, spec, placement))
        return jobs

    def generate_missing(self, count: int = 1) -> list[Job]:
        """Queue takes for every shot that has none yet and nothing queued.

        Shots whose prompt a filter refuses are skipped and named in one message; the rest
        are queued. Raises PromptRefused when every candidate was refused."""
        busy = {j.shot_id for j in self.jobs.jobs if not j.state.done}
        jobs: list[Job] = []
        refused: list[tuple[str, PromptRefused]] = []
        for shot in list(self.project.shots):
            if not shot.takes and shot.id not in busy and shot.prompt.strip():
                try:
                    check_prompt(shot.prompt, shot.negative_prompt, registry=self.registry_for())
                except PromptRefused as exc:
                    refused.append((shot.name, exc))
                    continue
                jobs += self.generate_shot(shot.id, count)
        if refused:
            names = ", ".join(name for name, _ in refused)
            rules = ", ".join(dict.fromkeys(exc.verdict.rule for _, exc in refused))
            details = "\n".join(f"{name}: {exc}" for name, exc in refused)
            self.prompt_refused.emit(names, rules, details)
            if not jobs:
                raise refused[0][1]
        return jobs

    def extend_clip(self, clip_id: str, direction: str, prompt: str, frames: int) -> Job:
        """Queue an extension of a timeline clip as a new shot; the result is inserted beside it."""
        track, clip = self.project.timeline.find_item(clip_id)
        if not isinstance(clip, Clip):
            raise BadInput("only a clip can be extended; select a clip, not a gap")
        base = self.shot_for(clip)
        mode = Mode.EXTEND_FORWARD if direction == "forward" else Mode.EXTEND_BACKWARD
        arrow = "→" if direction == "forward" else "←"
        shot = self._new_shot(f"{clip.name} {arrow}", prompt, base, mode, [clip.media_id], frames)
        spec = job_specs.extend_spec(self.project, shot, clip, direction, frames,
                                     job_specs.next_seed(shot.settings, 0),
                                     self._temporal(shot.model))
        span = track.range_in_parent(clip.id)
        at = span.end_exclusive if direction == "forward" else span.start
        return self._enqueue(shot, spec, {"track": track.id, "at": at, "ripple": True,
                                          "next_to": clip.id, "direction": direction})

    def fill_gap(self, track_id: str, gap_id: str, prompt: str) -> Job:
        """Queue an infill for a gap between two clips; the result fills the gap exactly."""
        track = self.project.timeline.track(track_id)
        index = next((i for i, it in enumerate(track.items) if it.id == gap_id), None)
        if index is None or not isinstance(track.items[index], Gap):
            raise BadInput("that gap is no longer on the timeline")
        before = track.items[index - 1] if index > 0 else None
        after = track.items[index + 1] if index + 1 < len(track.items) else None
        if not isinstance(before, Clip) or not isinstance(after, Clip):
            raise BadInput("a gap can be filled only between two clips")
        gap = track.items[index]
        base = self.shot_for(before)
        shot = self._new_shot(f"Fill {before.name} → {after.name}", prompt, base, Mode.INFILL,
                              [before.media_id, after.media_id], gap.duration)
        spec = job_specs.fill_spec(self.project, shot, before, after, gap.duration,
                                   job_specs.next_seed(shot.settings, 0),
                                   self._temporal(shot.model))
        at = track.range_in_parent(gap.id).start
        return self._enqueue(shot, spec, {"track": track.id, "at": at, "max": gap.duration})

    def cancel(self, job_id: str) -> None:
        job = self.jobs.get(job_id)
        if job.state is JobState.QUEUED:
            self.jobs.update(job_id, JobState.CANCELLED, message="Cancelled")
        elif job.state is JobState.RUNNING:
            self.worker.cancel(job_id)

    def cancel_all(self) -> None:
        for job in list(self.jobs.jobs):
            if job.state is JobState.QUEUED:
                self.jobs.update(job.id, JobState.CANCELLED, message="Cancelled")
        if self.running:
            self.worker.cancel(self.running)

    def stop(self) -> None:
        """The project is closing: stop the engine's work but leave the queue as it is, so
        the jobs run again when the project is next opened (a running one from the start)."""
        if self.running:
            self.worker.cancel(self.running)
        self.detach()

    def retry(self, job_id: str) -> None:
        job = self.jobs.get(job_id)
        if job.state in (JobState.FAILED, JobState.CANCELLED):
            self.jobs.update(job_id, JobState.QUEUED)
            self.dispatch()

    def remove(self, job_id: str) -> None:
        self.jobs.remove(job_id)

    def dispatch(self) -> None:
        """Send the next queued job when the engine is free."""
        if self.running is not None:
            return
        job = self.jobs.next_queued()
        if job is None:
            return
        bundle = self._bundle_dir()
        (bundle / "media").mkdir(parents=True, exist_ok=True)
        out = bundle / "media" / f"take-{job.id}.mp4"
        self.running = job.id
        self.jobs.update(job.id, JobState.RUNNING, progress=0.0, message="Starting…")
        self.worker.submit(job.id, job.request, bundle, out)

    # --- helpers -----------------------------------------------------------------------------

    def _temporal(self, model: str) -> int | None:
        rule = self.rule_for(model)
        return rule[1] if rule else None

    def shot_for(self, clip: Clip) -> Shot | None:
        try:
            return self.project.shot(clip.shot_id) if clip.shot_id else None
        except KeyError:
            return None

    def _new_shot(self, name: str, prompt: str, base: Shot | None, mode: Mode,
                  references: list[str], frames: int) -> Shot:
        from dataclasses import replace

        prompt = prompt.strip() or (base.prompt if base else "")
        if not prompt:
            raise BadInput("describe what should happen in a few words before generating")
        # Before the shot is added: a refused prompt leaves the project as it was.
        self._check_prompt(name, prompt, base.negative_prompt if base else "")
        shot = Shot(name=name, prompt=prompt, mode=mode, references=list(references))
        if base is not None:
            shot.negative_prompt, shot.model = base.negative_prompt, base.model
            shot.settings = replace(base.settings)
        else:
            shot.settings.width, shot.settings.height = self.project.width, self.project.height
            shot.settings.fps = self.project.rate
        rule = self.rule_for(shot.model)
        if rule:
            spatial = rule[0]
            shot.settings.width = max(spatial, round(shot.settings.width / spatial) * spatial)
            shot.settings.height = max(spatial, round(shot.settings.height / spatial) * spatial)
        shot.settings.frames = max(1, int(frames))
        index = self.project.shots.index(base) + 1 if base in self.project.shots else None
        self.undo.stack.push(AddShot(shot, index))
        return shot

    def _check_prompt(self, shot_name: str, prompt: str, negative: str) -> None:
        """Raise PromptRefused (a BadInput) when a prompt filter refuses; tell the window."""
        try:
            check_prompt(prompt, negative, registry=self.registry_for())
        except PromptRefused as exc:
            self.prompt_refused.emit(shot_name, exc.verdict.rule, str(exc))
            raise

    def _enqueue(self, shot: Shot, spec: dict[str, Any], placement: dict[str, Any]) -> Job:
        # Every job the GUI queues passes here: the prompt policy's one gate.
        self._check_prompt(shot.name, shot.prompt, shot.negative_prompt)
        job = Job(shot_id=shot.id, request=spec, label=f"{shot.name}: {job_specs.describe(spec)}",
                  placement=placement)
        self.jobs.add(job)
        log.info("queued job %s (%s)", job.id, job.label)
        self.dispatch()
        return job

    def _finish_running(self, job_id: str) -> None:
        if self.running == job_id:
            self.running = None
        self.etas.pop(job_id, None)

    def _known(self, job_id: str) -> Job | None:
        try:
            return self.jobs.get(job_id)
        except KeyError:
            return None

    # --- worker signals ----------------------------------------------------------------------

    def _on_worker_job_started(self, job_id: str) -> None:
        job = self._known(job_id)
        if job is not None and job.state is JobState.RUNNING:
            self.jobs.update(job_id, message="Running")

    def _on_worker_job_progressed(self, job_id: str, step: int, total: int, eta: float) -> None:
        job = self._known(job_id)
        if job is None or job.state is not JobState.RUNNING:
            return
        self.etas[job_id] = eta
        message = f"Step {step}/{total}"
        self.jobs.update(job_id, progress=step / total if total else 0.0, message=message)
        self.job_updated.emit(job_id)

    def _on_worker_preview_ready(self, job_id: str, array: Any) -> None:
        if self._known(job_id) is None:
            return
        image = preview_image(array)
        self.previews[job_id] = image
        self.preview_ready.emit(job_id, image)
        self.job_updated.emit(job_id)

    def _on_worker_job_failed(self, job_id: str, kind: str, message: str) -> None:
        job = self._known(job_id)
        self._finish_running(job_id)
        if job is not None and job.state in (JobState.RUNNING, JobState.QUEUED):
            text = CRASH_MESSAGE if kind == "crash" and not message else message
            self.jobs.update(job_id, JobState.FAILED, message=text)
            self.message.emit(f"{job.label} failed: {text}")
        self.dispatch()

    def _on_worker_job_cancelled(self, job_id: str) -> None:
        job = self._known(job_id)
        self._finish_running(job_id)
        if job is not None and job.state in (JobState.RUNNING, JobState.QUEUED):
            self.jobs.update(job_id, JobState.CANCELLED, message="Cancelled")
        self.dispatch()

    def _on_worker_job_finished(self, job_id: str, result: Any) -> None:
        job = self._known(job_id)
        self._finish_running(job_id)
        if job is None or job.state is not JobState.RUNNING:
            self.dispatch()
            return
        try:
            take_id = self._land(job, result)
        except (BadInput, KeyError, ValueError) as exc:
            log.warning("job %s finished but its take could not be added: %s", job_id, exc)
            self.jobs.update(job_id, JobState.FAILED, message=f"The take could not be added: {exc}")
        else:
            self.jobs.update(job_id, JobState.FINISHED, progress=1.0, message="Done",
                             take_id=take_id)
            self.take_landed.emit(job.shot_id, take_id)
        self.dispatch()

    def _land(self, job: Job, result: Any) -> str:
        """Media, take and (if asked) clip, as one undo step. Returns the take id."""
        shot = self.project.shot(job.shot_id)
        bundle = self._bundle_dir().resolve()
        path = Path(result.path).resolve()
        try:
            rel = path.relative_to(bundle).as_posix()
        except ValueError:
            raise BadInput(f"the engine wrote {path} outside the project folder") from None
        item, take = take_from_result(self.project, shot, result, rel)
        place = job.placement or {}
        # A take that lands on the timeline becomes the shot's choice; further variations
        # wait in the takes panel until the user picks one, so the shot and its clip agree.
        select = bool(place.get("track")) or shot.selected_take_id is None
        commands = [] if item in self.project.media else [AddMedia(item)]
        commands.append(AddTake(shot.id, take, select=select))
        if place.get("track"):
            commands.append(self._placement(place, shot, item, take))
        self.undo.stack.push(Macro(f"Generate {shot.name}", commands))
        log.info("job %s landed take %s of %s (%s)", job.id, take.id, shot.name, os.path.basename(rel))
        return take.id

    def _placement(self, place: dict[str, Any], shot: Shot, item: MediaItem, take: Take) -> PlaceClip:
        track = self.project.timeline.track(place["track"])
        duration = item.frames
        if place.get("max"):
            duration = min(duration, int(place["max"]))
        at = place["at"]
        if at == "end":
            at = track.duration
        elif place.get("next_to"):
            # The neighbour may have moved since the job was queued: follow it.
            try:
                span = track.range_in_parent(place["next_to"])
                at = span.end_exclusive if place.get("direction") == "forward" else span.start
            except KeyError:
                pass
        clip = Clip(name=item.name, media_id=item.id, source_range=FrameRange(0, duration),
                    shot_id=shot.id, take_id=take.id)
        return PlaceClip(track.id, clip, int(at), ripple=bool(place.get("ripple")))

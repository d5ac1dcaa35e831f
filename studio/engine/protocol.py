"""The messages between `EngineClient` and the engine host process (no torch here).

Only plain, picklable data crosses the process boundary: job ids, paths, frozen requests
(whose pins are numpy arrays), and the event dataclasses of `studio.engine.events`. The
client sends `SubmitJob`, `CancelJob` and `StopHost`; the host answers with `HostReady` once
it can take work, then events for each job it runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from studio.engine.request import GenerationRequest

# The host's default job: the engine runner. A test can name another callable with the same
# signature (request, out_path, *, on_step, is_cancelled, cache) -> TakeResult.
DEFAULT_JOB = "studio.engine.runner:run_request"
# The host's default pipeline cache, built once per host and handed to every job.
DEFAULT_CACHE = "studio.engine.cache:PipelineCache"

CRASH_MESSAGE = "the engine stopped unexpectedly"


@dataclass(frozen=True)
class HostOptions:
    """How to start a host: which job function and which pipeline cache to use.

    Both are "module:attribute" references so the spawned child imports them itself (and
    pays for torch only when the runner is the job).
    """

    job: str = DEFAULT_JOB
    cache: str = DEFAULT_CACHE


@dataclass(frozen=True)
class SubmitJob:
    job_id: str
    request: GenerationRequest
    out_path: str
    latents_path: str = ""  # where the runner keeps the latents ("" : beside the output)


@dataclass(frozen=True)
class CancelJob:
    job_id: str


@dataclass(frozen=True)
class StopHost:
    """Finish (cancelling the running job, if any) and exit."""


@dataclass(frozen=True)
class HostReady:
    """Sent once after start-up, when the host can take a job."""

    pid: int


@dataclass(frozen=True)
class HostStopped:
    """The host's last message before it exits on `StopHost`."""

    pid: int


def reference(target: str | Callable[..., Any]) -> str:
    """A "module:attribute" reference for a module-level callable (or the text given)."""
    if isinstance(target, str):
        return target
    module = getattr(target, "__module__", None)
    name = getattr(target, "__qualname__", "")
    if not module or module == "__main__" or "<" in name:
        raise ValueError(
            f"{target!r} cannot be named across processes; use a module-level function"
        )
    return f"{module}:{name}"


def resolve(ref: str) -> Any:
    """Import what a "module:attribute" reference names."""
    module_name, _, attr = ref.partition(":")
    if not module_name or not attr:
        raise ValueError(f"{ref!r} is not a module:attribute reference")
    obj: Any = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj

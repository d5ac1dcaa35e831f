"""The project file's content: `{"format", "schema_version", "project"}` and back.

The model goes through the typed JSON codec (codec.py), so every field of every model class
is saved and read back. Reading upgrades older schemas first (migrations.py) and is strict:
a damaged or foreign file is refused with the exact place that is wrong
(`project.json: shots[2].settings.frames must be a whole number, not "abc"`) instead of
opening as a quietly different project.
"""

from __future__ import annotations

import logging
from typing import Any

from studio.core.codec import FieldError, decode, encode, shown
from studio.core.errors import BadInput, StudioError
from studio.core.model import Project

log = logging.getLogger(__name__)

__all__ = [
    "FORMAT",
    "SCHEMA_VERSION",
    "ProjectError",
    "check_unique_ids",
    "project_from_dict",
    "project_to_dict",
]

FORMAT = "studio.project"
SCHEMA_VERSION = 2


class ProjectError(BadInput):
    """A project file that cannot be opened; the message names the file and the problem."""


def project_to_dict(project: Project) -> dict[str, Any]:
    """The whole file content for `project`: format, schema version and the model."""
    try:
        model = encode(project, Project)
    except FieldError as exc:
        raise StudioError(
            f"The project cannot be saved because {exc.where or 'it'} {exc.problem}."
        ) from None
    return {"format": FORMAT, "schema_version": SCHEMA_VERSION, "project": model}


def project_from_dict(data: Any, source: str = "project.json") -> Project:
    """File content (any schema version we know) -> a Project, or ProjectError naming
    `source` and what is wrong with it."""
    from studio.core.migrations import upgrade

    data = upgrade(data, source)
    if "project" not in data:
        raise ProjectError(f'{source} has no "project" in it, so there is nothing to open.')
    unknown = sorted(set(data) - {"format", "schema_version", "project"})
    if unknown:
        raise ProjectError(f"{source} has an unknown field {shown(unknown[0])} beside the project.")
    try:
        project = decode(data["project"], Project)
    except FieldError as exc:
        raise ProjectError(f"{source}: {exc.where or 'the project'} {exc.problem}.") from None
    check_unique_ids(project, source)
    return project


def check_unique_ids(project: Project, source: str) -> None:
    """Everything is found by id, so two objects of a kind with one id is damage."""
    groups = {
        "shot": [s.id for s in project.shots],
        "take": [t.id for s in project.shots for t in s.takes],
        "media item": [m.id for m in project.media],
        "track": [t.id for t in project.timeline.tracks],
        "timeline item": [i.id for t in project.timeline.tracks for i in t.items],
        "job": [j.id for j in project.jobs.jobs],
    }
    for kind, ids in groups.items():
        if len(set(ids)) == len(ids):
            continue
        seen: set[str] = set()
        for ident in ids:
            if ident in seen:
                raise ProjectError(f'{source}: two of its {kind}s share the id "{ident}".')
            seen.add(ident)

"""Upgrading project files saved by older versions of the studio, one schema step at a time.

Each step takes the whole file content at version N and returns it at N + 1; steps never
change their input (the caller may still need it to say what was wrong). A file from a newer
studio is refused with both version numbers rather than opened half-understood.

Schema history:
  1  frame rates written as decimal text ("23.976", "25"); no job queue.
  2  frame rates as exact fractions ("24000/1001"); the job queue is saved ("jobs").
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

from studio.core.serialize import FORMAT, SCHEMA_VERSION, ProjectError
from studio.core.timecode import parse_rate

log = logging.getLogger(__name__)

OLDEST_VERSION = 1


def _rate_text(value: Any) -> Any:
    """A v1 decimal rate as v2 fraction text; a value that is no rate is left for the
    validator, which names the field."""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        return value
    try:
        rate = parse_rate(value if isinstance(value, str) else str(value))
    except ValueError:
        return value
    return str(rate.numerator) if rate.denominator == 1 else f"{rate.numerator}/{rate.denominator}"


def _objects(value: Any) -> list[dict]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _v1_to_v2(data: dict) -> dict:
    project = data.get("project")
    if isinstance(project, dict):
        if "rate" in project:
            project["rate"] = _rate_text(project["rate"])
        for item in _objects(project.get("media")):
            if "rate" in item:
                item["rate"] = _rate_text(item["rate"])
        for shot in _objects(project.get("shots")):
            settings = shot.get("settings")
            if isinstance(settings, dict) and "fps" in settings:
                settings["fps"] = _rate_text(settings["fps"])
            for take in _objects(shot.get("takes")):
                recipe = take.get("recipe")
                if isinstance(recipe, dict) and "fps" in recipe:
                    recipe["fps"] = _rate_text(recipe["fps"])
        project.setdefault("jobs", [])
    data["schema_version"] = 2
    return data


# version N -> the step that makes it N + 1
MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _v1_to_v2}


def schema_version_of(data: Any, source: str) -> int:
    """The schema version a file's content declares, or ProjectError for a foreign file."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ProjectError(
            f'{source} is not a Studio project file (it has no "format": "{FORMAT}").'
        )
    version = data.get("schema_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise ProjectError(f"{source} has no whole-number schema_version, so it cannot be read.")
    if version > SCHEMA_VERSION:
        raise ProjectError(
            f"{source} was saved with project schema {version}, but this Studio reads schema "
            f"{SCHEMA_VERSION} and older; update Studio to open it."
        )
    if version < OLDEST_VERSION:
        raise ProjectError(f"{source} has schema_version {version}, which never existed.")
    return version


def upgrade(data: Any, source: str) -> dict:
    """File content at any known version -> content at SCHEMA_VERSION (a new dict)."""
    version = schema_version_of(data, source)
    if version == SCHEMA_VERSION:
        return data
    data = copy.deepcopy(data)
    while version < SCHEMA_VERSION:
        data = MIGRATIONS[version](data)
        version += 1
        log.info("%s: upgraded to project schema %d", source, version)
    return data

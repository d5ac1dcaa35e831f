"""`studio generate --project P.studio --shot NAME`: a finished generation becomes a take.

The video is copied into the bundle's `media/` under a content-addressed name (the same
frames twice make one file), a `MediaItem` and a `Take` are added through the edit commands
(the same route the GUI takes, so an undo stack sees them), and the project is saved.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import uuid
from pathlib import Path

from studio.core import bundle
from studio.core.edits import AddMedia, AddShot, AddTake, UndoStack
from studio.core.errors import BadInput
from studio.core.model import Project, Shot, ShotSettings, Take
from studio.engine.events import TakeResult
from studio.engine.request import GenerationRequest
from studio.engine.takes import take_from_result

log = logging.getLogger(__name__)


def open_project(path: str) -> Project:
    root = bundle.bundle_root(path)
    if root.suffix != bundle.SUFFIX:
        raise BadInput(f"{path} is not a project; a project folder's name ends in {bundle.SUFFIX}")
    return bundle.load_project(root)


def find_shot(project: Project, name: str) -> Shot | None:
    try:
        return project.shot_by_name(name)
    except KeyError:
        return None


def scratch_path(project_path: str, suffix: str = ".mkv", folder: str = "media") -> Path:
    """Where the engine writes a file that goes straight into the bundle (renamed after)."""
    place = bundle.bundle_root(project_path) / folder
    place.mkdir(parents=True, exist_ok=True)
    return place / f".generating-{uuid.uuid4().hex[:12]}{suffix}"


def keep_latents(project_path: str, latents_path: str, take: Take) -> None:
    """Name the take's saved latents after it, in the bundle's latents/ (a deletable cache)."""
    if not latents_path or not Path(latents_path).is_file():
        return
    target = bundle.bundle_root(project_path) / "latents" / f"{take.id}.safetensors"
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(latents_path, target)


def add_take(
    project: Project,
    project_path: str,
    shot_name: str,
    request: GenerationRequest,
    result: TakeResult,
    *,
    move: bool,
) -> tuple[Shot, Take]:
    """Put the result into the bundle as a new, selected take of `shot_name`; save.

    With `move` the result's file is moved (it was written into the bundle for this), else
    copied. Its saved latents go to latents/<take id>.safetensors either way.
    """
    stack = UndoStack(project)
    shot = find_shot(project, shot_name)
    if shot is None:
        shot = _new_shot(shot_name, request)
        stack.push(AddShot(shot))
        log.info("added shot %s to %s", shot_name, project_path)
    relative = _store(project_path, Path(result.path), move=move)
    item, take = take_from_result(project, shot, result, relative)
    if item not in project.media:
        stack.push(AddMedia(item))
    stack.push(AddTake(shot.id, take, select=True))
    bundle.save_project(project, project_path)  # raises StudioError with one sentence
    keep_latents(project_path, result.latents_path, take)
    if move and result.recipe_path:
        Path(result.recipe_path).unlink(missing_ok=True)  # the project holds the recipe now
    return shot, take


def _new_shot(name: str, request: GenerationRequest) -> Shot:
    return Shot(
        name=name,
        prompt=request.prompt,
        negative_prompt=request.negative_prompt,
        model=request.model,
        mode=request.mode,
        settings=ShotSettings(
            width=request.width,
            height=request.height,
            frames=request.output_frames,
            fps=request.fps,
            steps=request.steps,
            guidance=request.guidance,
            seed=request.seed,
            preset=request.preset,
        ),
    )


def _store(project_path: str, file: Path, *, move: bool) -> str:
    """Copy (or move) `file` into media/ as <sha256 prefix><ext>; the path relative to the bundle."""
    media = bundle.media_dir(project_path)
    media.mkdir(parents=True, exist_ok=True)
    digest = _sha256(file)
    target = media / f"{digest[:20]}{file.suffix.lower()}"
    if target.exists():
        if move:
            file.unlink()
    elif move:
        os.replace(file, target)
    else:
        # Copy under a temporary name first, so media/ never holds half a file.
        temp = media / f".{target.name}.{uuid.uuid4().hex[:8]}.partial"
        try:
            shutil.copyfile(file, temp)
            os.replace(temp, target)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
    return f"{bundle.media_dir(project_path).name}/{target.name}"


def _sha256(file: Path) -> str:
    digest = hashlib.sha256()
    with open(file, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

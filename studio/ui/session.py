"""One open project: the model, where its bundle lives, its undo stack and its autosave.

A new project that was never saved still needs a bundle (generated takes are written into
its `media/`), so it gets one in the user's cache folder and is marked `untitled`; "Save As"
copies that bundle where the user chooses. The window owns one session at a time.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path

from PySide6.QtCore import QTimer

from studio.core import bundle
from studio.core.autosave import Autosaver, discard_autosave
from studio.core.edits import UndoStack
from studio.core.errors import BadInput
from studio.core.model import Project
from studio.core.paths import cache_dir

log = logging.getLogger(__name__)

AUTOSAVE_DELAY_S = 2.0


class _QtCall:
    """A single-shot QTimer in the `Cancellable` shape the autosaver asks for."""

    def __init__(self, delay: float, callback) -> None:
        self._timer = QTimer()
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(callback)
        self._timer.start(int(delay * 1000))

    def cancel(self) -> None:
        self._timer.stop()


def untitled_root() -> Path:
    return cache_dir() / "untitled"


class ProjectSession:
    """The project being edited and everything tied to its bundle."""

    def __init__(self, project: Project, path: Path, untitled: bool = False) -> None:
        self.project = project
        self.path = Path(path)
        self.untitled = untitled
        self.recovered = False  # opened from the autosave: differs from project.json
        self.discard = False  # the user chose to drop unsaved changes
        self.undo_stack = UndoStack(project)
        self.autosaver: Autosaver | None = None
        if not untitled:
            self.autosaver = Autosaver(project, self.path, AUTOSAVE_DELAY_S, schedule=_QtCall)
        project.jobs.recover_after_restart()

    # --- making one -------------------------------------------------------------------------

    @classmethod
    def new(cls, name: str = "Untitled") -> ProjectSession:
        folder = untitled_root() / uuid.uuid4().hex[:12]
        project = bundle.create_project(folder / f"{name}{bundle.SUFFIX}", name)
        return cls(project, folder / f"{name}{bundle.SUFFIX}", untitled=True)

    @classmethod
    def open(cls, path: str | Path, use_autosave: bool = False) -> ProjectSession:
        """Load a bundle; raises `ProjectError` (a BadInput) with the reason."""
        root = bundle.bundle_root(path)
        project = bundle.load_project(root, use_autosave=use_autosave)
        return cls(project, root)

    # --- state ------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return self.project.name

    @property
    def modified(self) -> bool:
        return self.recovered or not self.undo_stack.clean

    def bundle_dir(self) -> Path:
        return self.path

    # --- saving -----------------------------------------------------------------------------

    def save(self) -> Path:
        if self.untitled:
            raise BadInput("this project has no place on disk yet; use Save As")
        file = bundle.save_project(self.project, self.path)
        self.recovered = False
        self.undo_stack.set_clean()
        if self.autosaver is not None:
            self.autosaver.mark_saved()
        log.info("saved %s", self.path)
        return file

    def save_as(self, target: str | Path) -> Path:
        """Copy the bundle (media included) to `target` and save there from now on."""
        target = Path(target)
        if target.suffix != bundle.SUFFIX:
            target = target.with_name(target.name + bundle.SUFFIX)
        if target.resolve() == self.path.resolve():
            return self.save()
        if target.exists() and any(target.iterdir()):
            raise BadInput(f"{target} already exists; choose another name")
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(self.path / "media", partial / "media", dirs_exist_ok=True)
        partial.rename(target)
        old_untitled, old_path = self.untitled, self.path
        self.path, self.untitled = target, False
        self.project.name = target.stem
        self.save()
        if self.autosaver is not None:
            self.autosaver.close()
        self.autosaver = Autosaver(self.project, self.path, AUTOSAVE_DELAY_S, schedule=_QtCall)
        if old_untitled:
            shutil.rmtree(old_path.parent, ignore_errors=True)
        return target

    def close(self, keep_autosave: bool = True) -> None:
        """Stop autosaving. Without `keep_autosave` the autosave is removed (changes dropped
        on purpose); an untitled bundle that holds nothing worth keeping is deleted."""
        if self.autosaver is not None:
            if keep_autosave:
                self.autosaver.flush()
            self.autosaver.close()
            self.autosaver = None
            if not keep_autosave:
                discard_autosave(self.path)
        if self.untitled and not keep_autosave:
            shutil.rmtree(self.path.parent, ignore_errors=True)

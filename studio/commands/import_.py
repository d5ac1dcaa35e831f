"""`studio import PROJECT FILE...`: bring footage, stills and timelines into a project.

Video and image files are checked in a child process (a hostile file cannot crash us),
copied into the bundle's media/ under content names, and added as media items through the
same edit commands the window uses. Timeline files (.otio, FCP 7 .xml, .fcpxml, .edl) become
a track through `studio.interchange.timeline_import`. A file that fails is reported in one
line and adds nothing; the others still go in, and the command exits 2.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Self

from studio.core import bundle
from studio.core.edits import AddMedia, UndoStack
from studio.core.errors import BadInput, StudioError
from studio.core.model import MediaItem, MediaKind, Project
from studio.core.timecode import rate_mismatch, rate_text

log = logging.getLogger(__name__)

TIMELINE_SUFFIXES = {".otio", ".xml", ".fcpxml", ".edl"}
# Files below this copy too fast for a progress bar to help.
_BAR_BYTES = 64 * 1024 * 1024


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", metavar="PROJECT", help="the project folder (NAME.studio)")
    parser.add_argument(
        "files", metavar="FILE", nargs="+",
        help="video (MP4, MOV, MKV...), image (PNG, JPEG, WebP) or timeline "
        "(.otio, FCP 7 .xml, .fcpxml, .edl) files",
    )


def run(args: argparse.Namespace) -> int:
    root = bundle.bundle_root(args.project)
    if root.suffix != bundle.SUFFIX:
        raise BadInput(f"{args.project} is not a project; a project folder's name ends in "
                       f"{bundle.SUFFIX}.")
    project = bundle.load_project(root)
    importer = _Importer(project, root)
    failed = 0
    for name in args.files:
        file = Path(name)
        try:
            if file.suffix.lower() in TIMELINE_SUFFIXES:
                print(importer.timeline(file))
            else:
                print(importer.media(file))
        except StudioError as exc:
            failed += 1
            log.info("import of %s failed: %s", file, exc)
            print(f"error: {exc}", file=sys.stderr)
    importer.save()
    return 2 if failed else 0


class _Importer:
    """Adds files to one project; a failed file leaves the project as it was before it."""

    def __init__(self, project: Project, root: Path) -> None:
        self.project = project
        self.root = root
        self.stack = UndoStack(project)
        self.dirty = False

    def media(self, file: Path) -> str:
        from studio.media import import_media

        with _CopyBar(file) as bar:
            item = import_media(self.project, self.root, file, progress=bar.update)
        if any(m.id == item.id for m in self.project.media):
            return f"{file.name} is already in the project as {item.name} ({item.path})"
        self.stack.push(AddMedia(item))
        self.dirty = True
        text = f"imported {file.name}: {_describe(item)} -> {item.path}"
        warning = _rate_warning(self.project, item)
        return f"{text}\nnote: {warning}" if warning else text

    def timeline(self, file: Path) -> str:
        if not file.is_file():
            raise BadInput(f"{file} does not exist; check the path.")
        try:
            from studio.interchange.timeline_import import import_timeline
        except ImportError:
            raise StudioError(
                f"cannot import {file.name}: timeline import is not part of this build."
            ) from None
        # The timeline import may add media and a track in several steps; save what came
        # before, so a failure part-way can be undone by reading the project back.
        self.save()
        tracks_before = {t.id for t in self.project.timeline.tracks}
        try:
            import_timeline(self.project, self.root, file, stack=self.stack)
        except Exception:
            self.project = bundle.load_project(self.root)
            self.stack = UndoStack(self.project)
            raise
        self.dirty = True
        new = [t for t in self.project.timeline.tracks if t.id not in tracks_before]
        if not new:
            return f"imported {file.name}"
        return "; ".join(
            f"imported {file.name}: track {t.name} with {len(t.clips())} clip(s), "
            f"{t.duration} frames" for t in new
        )

    def save(self) -> None:
        if self.dirty:
            bundle.save_project(self.project, self.root)
            self.dirty = False


def _describe(item: MediaItem) -> str:
    if item.kind is MediaKind.IMAGE:
        return f"image {item.width}x{item.height}"
    return (f"video {item.width}x{item.height}, {item.frames} frames at "
            f"{rate_text(item.rate)} fps")


def _rate_warning(project: Project, item: MediaItem) -> str | None:
    if item.kind is MediaKind.IMAGE:
        return None
    return rate_mismatch(item.rate, project.rate)


class _CopyBar:
    """A byte progress bar on stderr for copies large enough to notice."""

    def __init__(self, file: Path) -> None:
        self.file = file
        self.bar = None

    def __enter__(self) -> Self:
        try:
            size = self.file.stat().st_size
        except OSError:
            size = 0
        if size >= _BAR_BYTES:
            from tqdm import tqdm

            self.bar = tqdm(total=size, unit="B", unit_scale=True, desc=self.file.name,
                            file=sys.stderr, leave=False)
        return self

    def update(self, done: int, total: int) -> None:
        if self.bar is not None:
            self.bar.update(done - self.bar.n)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()

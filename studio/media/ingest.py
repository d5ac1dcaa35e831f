"""Bring an outside file into a project bundle: check it, copy it under a content name.

The copy in `media/` is named `<sha256[:16]><ext>` with the extension of what the file really
is, so the same footage imported twice is stored once, a renamed or moved original does not
break the project, and a file can never silently replace different footage.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

from studio.core import bundle
from studio.core.atomic import fsync_dir, temp_path
from studio.core.errors import StudioError
from studio.core.model import MediaItem, MediaKind, Project
from studio.media.info import DEFAULT_LIMITS, MediaInfo, MediaLimits
from studio.media.safe_probe import safe_probe

log = logging.getLogger(__name__)

_CHUNK = 1024 * 1024


def content_hash(path: str | os.PathLike) -> str:
    """The file's SHA-256 as hex, read in chunks so a large file never sits in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def import_media(
    project: Project,
    bundle_path: str | os.PathLike,
    file: str | os.PathLike,
    *,
    limits: MediaLimits = DEFAULT_LIMITS,
    progress: Callable[[int, int], None] | None = None,
) -> MediaItem:
    """Probe `file` safely, copy it into the bundle's media/ folder, and describe it.

    Returns the project's existing MediaItem when this exact content is already in the
    project (check `item in project.media`); otherwise a new MediaItem for the caller to add
    with `studio.core.edits.AddMedia`. Raises BadInput for a file the studio cannot take,
    before anything is copied. `progress(done_bytes, total_bytes)` follows the copy.
    """
    file = Path(file)
    info = safe_probe(file, limits=limits)
    folder = bundle.media_dir(bundle_path)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        digest, stored = _store(file, folder, info.ext, progress)
    except OSError as exc:
        raise StudioError(f"could not copy {file.name} into {folder}: "
                          f"{exc.strerror or exc}.") from None
    relative = f"media/{stored.name}"
    for item in project.media:
        if item.path == relative:
            log.info("%s is already in the project as %s", file, item.name)
            return item
    log.info("imported %s as %s (sha256 %s)", file, relative, digest)
    return media_item(info, file.name, relative, project)


def media_item(info: MediaInfo, name: str, relative: str, project: Project) -> MediaItem:
    """A MediaItem for probed media; a still takes the project's rate (it has none)."""
    return MediaItem(
        name=name,
        path=relative,
        kind=info.kind,
        frames=info.frames,
        rate=info.rate if info.kind is MediaKind.VIDEO else project.rate,
        width=info.width,
        height=info.height,
        generated=False,
    )


def _store(
    file: Path, folder: Path, ext: str, progress: Callable[[int, int], None] | None
) -> tuple[str, Path]:
    """Copy `file` into `folder` under its content name; returns (sha256, stored path)."""
    temp = temp_path(folder / f"import{ext}")
    try:
        digest = _copy_hashing(file, temp, progress)
        for name in (f"{digest[:16]}{ext}", f"{digest}{ext}"):
            target = folder / name
            if not target.exists():
                os.replace(temp, target)
                fsync_dir(folder)
                return digest, target
            if content_hash(target) == digest:
                return digest, target  # already stored; the copy is not needed
            log.warning("%s holds other content than its name says; not overwriting it",
                        target)
        raise StudioError(
            f"{folder} already holds different files named after {file.name}'s content; "
            "the media folder has been altered by hand, so check it."
        )
    finally:
        temp.unlink(missing_ok=True)


def _copy_hashing(source: Path, target: Path, progress) -> str:
    digest = hashlib.sha256()
    total = source.stat().st_size
    done = 0
    with open(source, "rb") as src, open(target, "xb") as dst:
        while chunk := src.read(_CHUNK):
            digest.update(chunk)
            dst.write(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        dst.flush()
        os.fsync(dst.fileno())
    return digest.hexdigest()

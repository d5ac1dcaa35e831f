"""Bringing a file into the project's media pool: check it, copy it into the bundle.

Runs on a pool thread (probing spawns a child and decodes a frame; copying can be large). The copy is named by
content, so importing the same file twice shares one copy, and is written to a temp name and
renamed so a failed copy leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from pathlib import Path

from studio.core.errors import BadInput
from studio.core.model import MediaItem

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}
VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"}


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def import_file(bundle: Path, source: Path, default_rate=24) -> MediaItem:
    """Probe `source` and copy it into `bundle/media/`; returns the media item to add."""
    from studio.media.safe_probe import safe_probe

    source = Path(source)
    if not source.is_file():
        raise BadInput(f"{source} is not a file; choose a video or an image to import")
    info = safe_probe(source)  # in a child process: a hostile file cannot take us down
    media = bundle / "media"
    media.mkdir(parents=True, exist_ok=True)
    ext = (info.ext or source.suffix).lower()
    target = media / f"{_digest(source)[:16]}{ext}"
    if not target.exists():
        tmp = target.with_name(target.name + ".part")
        try:
            shutil.copyfile(source, tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    rate = info.rate if info.rate else default_rate
    log.info("imported %s as %s", source, target.name)
    return MediaItem(
        name=source.stem,
        path=f"media/{target.name}",
        kind=info.kind,
        frames=max(1, int(info.frames)),
        rate=rate,
        width=int(info.width),
        height=int(info.height),
        generated=False,
    )


def is_importable(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES | VIDEO_SUFFIXES


def is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


"""Which files the window offers to import, by name.

The import itself is `studio.media.import_media` (a safe probe in a child process, a
content-addressed copy that never replaces different footage), which the media panel runs
on the I/O pool, as the CLI runs it; these helpers only filter what is dropped or chosen.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}
VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v"}


def is_importable(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES | VIDEO_SUFFIXES


def is_image(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


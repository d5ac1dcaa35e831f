"""Logging: one rotating file in the user log folder; every module logs through its own
`logging.getLogger(__name__)`.

`setup_logging()` is called once by each entry point (the CLI, the GUI, the engine host) and
is safe to call again: it never adds a second handler. Warnings and above also go to stderr so
a headless user sees them; everything from INFO goes to the file that `studio doctor` names.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from studio.core import paths

LOG_NAME = "studio.log"
MAX_BYTES = 2_000_000
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s: %(message)s"

# Marks the handlers we installed, so a second call (or a test) can find and keep them.
_MARK = "_studio_handler"


def log_file_path() -> Path:
    return paths.log_dir() / LOG_NAME


def _ours(handler: logging.Handler) -> bool:
    return getattr(handler, _MARK, False)


def setup_logging(level: int | str | None = None, stderr_level: int = logging.WARNING) -> Path:
    """Send the `studio` loggers to the rotating log file (and warnings to stderr).

    Returns the log file's path. `STUDIO_LOG_LEVEL` (e.g. DEBUG) overrides the file level.
    If the log folder cannot be written, logging falls back to stderr only rather than
    stopping the program.
    """
    level = level or os.environ.get("STUDIO_LOG_LEVEL", "INFO")
    root = logging.getLogger("studio")
    root.setLevel(level if isinstance(level, int) else str(level).upper())
    target = log_file_path()
    for handler in list(root.handlers):
        if not _ours(handler):
            continue
        is_file = isinstance(handler, logging.handlers.RotatingFileHandler)
        if is_file and Path(handler.baseFilename) == target:
            return target
        # STUDIO_HOME changed since the last call (tests do this): move to the new file.
        root.removeHandler(handler)
        handler.close()
    formatter = logging.Formatter(FORMAT)
    try:
        file_handler: logging.Handler = logging.handlers.RotatingFileHandler(
            target, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
        file_handler.setFormatter(formatter)
        setattr(file_handler, _MARK, True)
        root.addHandler(file_handler)
    except OSError as exc:
        print(f"warning: cannot write the log file {target}: {exc}", file=sys.stderr)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(stderr_level)
    console.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    setattr(console, _MARK, True)
    root.addHandler(console)
    # Left propagating so pytest's caplog (on the root logger) still sees our records; the
    # root logger has no handlers of ours, so nothing is written twice.
    return target

"""Writing a file so that a crash at any moment leaves either the old or the new content.

The bytes go to a temporary file in the same folder (so the rename cannot cross a disk),
are flushed and fsynced, the temporary file is renamed over the target with `os.replace`
(atomic on POSIX and Windows), and then the folder itself is fsynced so the rename survives a
power cut. A process killed half-way leaves only a `.NAME.PID.RANDOM.tmp` file behind, which
`remove_stale_temps` clears on a later save.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
from pathlib import Path

log = logging.getLogger(__name__)

_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.tmp$")


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in `folder` durable. Windows cannot open folders; there the
    rename is already durable once it returns."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")


def write_atomic(target: Path, data: bytes) -> None:
    """Replace `target` with `data` all at once. Raises OSError; nothing is left half-written."""
    tmp = temp_path(target)
    try:
        with open(tmp, "xb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise
    fsync_dir(target.parent)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours, so not in use: write_atomic cleans up after itself
    if os.name == "nt":
        return True  # no cheap safe check there; age decides instead
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(folder: Path, min_age_s: float = 3600.0) -> int:
    """Delete temporary files left by writers that died (their process is gone, or the file
    is older than `min_age_s`). Returns how many were removed."""
    import time

    removed = 0
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return 0
    now = time.time()
    for entry in entries:
        match = _TEMP.match(entry.name)
        if not match or not entry.is_file(follow_symlinks=False):
            continue
        try:
            old = now - entry.stat(follow_symlinks=False).st_mtime > min_age_s
            if old or not _pid_alive(int(match["pid"])):
                os.unlink(entry.path)
                removed += 1
        except OSError as exc:
            log.debug("could not remove %s: %s", entry.path, exc)
    if removed:
        log.info("removed %d unfinished temporary file(s) in %s", removed, folder)
    return removed

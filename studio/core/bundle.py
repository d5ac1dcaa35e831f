"""The project on disk: a `Name.studio/` folder with `project.json` as the one source of truth.

    Name.studio/
      project.json     format, schema_version and the model (serialize.py)
      media/           imported and generated media; MediaItem.path points in here
      latents/         saved latents of recent takes (deletable)
      cache/           thumbnails, proxies (deletable)
      backups/         the last BACKUP_KEEP good copies of project.json
      autosave.json    written after edits (autosave.py); removed by a real save

Loading never writes anything. A file that cannot be opened raises `ProjectError` with one
sentence naming the file and the problem. Saving writes atomically (atomic.py) after linking
the previous project.json into backups/, but only if that previous file loads: a damaged file
never pushes a good backup out of the rotation.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath, PureWindowsPath

from studio.core.atomic import remove_stale_temps, write_atomic
from studio.core.errors import BadInput, StudioError
from studio.core.model import Project
from studio.core.serialize import ProjectError, project_from_dict, project_to_dict

log = logging.getLogger(__name__)

SUFFIX = ".studio"
PROJECT_FILE = "project.json"
AUTOSAVE_FILE = "autosave.json"
SUBFOLDERS = ("media", "latents", "cache", "backups")
BACKUP_KEEP = 20
# A real project is a few MB at most; anything far bigger is not one, and is refused by its
# size before a byte of it is read into memory.
MAX_PROJECT_BYTES = 256 * 1024 * 1024

# file -> (inode, size, mtime_ns) of the last project.json this process wrote or loaded
# cleanly, so a save need not parse the previous file again to know it is a good backup.
_known_good: dict[str, tuple[int, int, int]] = {}

__all__ = [
    "ProjectError",
    "autosave_status",
    "backups",
    "bundle_root",
    "create_project",
    "load_project",
    "media_dir",
    "read_project_file",
    "save_project",
]


# -- locating things ---------------------------------------------------------------------


def bundle_root(path: str | os.PathLike) -> Path:
    """The bundle folder for a path naming the folder or one of its JSON files."""
    path = Path(path)
    if path.name in (PROJECT_FILE, AUTOSAVE_FILE) and not path.is_dir():
        return path.parent
    return path


def media_dir(path: str | os.PathLike) -> Path:
    return bundle_root(path) / "media"


def backups_dir(path: str | os.PathLike) -> Path:
    return bundle_root(path) / "backups"


def backups(path: str | os.PathLike) -> list[Path]:
    """The backup copies of project.json, oldest first."""
    folder = backups_dir(path)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("project-*.json") if p.is_file())


def _signature(file: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(file)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


# -- reading -----------------------------------------------------------------------------


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not a number a project file may hold")


def read_project_file(file: Path) -> dict:
    """A project file's JSON content, refusing what is too big, binary, cut off or not JSON.

    Returns the parsed data unchecked; `project_from_dict` checks it."""
    try:
        # O_NONBLOCK: a named pipe put where the file should be must not hang the open.
        flags = os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
        fd = os.open(file, flags)
    except FileNotFoundError:
        raise ProjectError(f"{file} does not exist.") from None
    except OSError as exc:
        raise ProjectError(f"{file} cannot be opened: {exc.strerror or exc}.") from None
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise ProjectError(f"{file} is {kind}, not a project file.")
    with os.fdopen(fd, "rb") as f:
        if st.st_size > MAX_PROJECT_BYTES:
            raise ProjectError(
                f"{file} is {st.st_size / 2**20:.0f} MB, far larger than a project file can be "
                f"(at most {MAX_PROJECT_BYTES // 2**20} MB), so it was not read."
            )
        try:
            raw = f.read(MAX_PROJECT_BYTES + 1)
        except OSError as exc:
            raise ProjectError(f"{file} cannot be read: {exc.strerror or exc}.") from None
    if len(raw) > MAX_PROJECT_BYTES:
        raise ProjectError(f"{file} is larger than a project file can be, so it was not read.")
    if not raw.strip():
        raise ProjectError(f"{file} is empty.")
    if b"\x00" in raw:
        raise ProjectError(f"{file} holds binary data, not a project's JSON text.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProjectError(
            f"{file} is not UTF-8 text (bad byte at offset {exc.start}), "
            "so it is not a project file."
        ) from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        # The scanner reports an unclosed string where it starts, yet it ran to the end too.
        if exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string"):
            raise ProjectError(
                f"{file} ends in the middle of its data (it looks cut off after {len(raw)} bytes)."
            ) from None
        raise ProjectError(
            f"{file} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except ValueError as exc:
        raise ProjectError(f"{file} is not a valid project file: {exc}.") from None
    except RecursionError:
        raise ProjectError(f"{file} is nested too deeply to be a project file.") from None


def encode_json(data: dict) -> bytes:
    """File bytes for project data: UTF-8 text on one line. No indenting, because only the
    unindented encoder is the fast C one, and large projects are written on every autosave.
    Text with lone surrogates (which UTF-8 cannot carry) is written with escapes instead."""
    try:
        return (json.dumps(data, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:
        return (json.dumps(data, allow_nan=False) + "\n").encode("ascii")


def check_media_paths(
    project: Project, root: Path, source: str, error: type = ProjectError
) -> None:
    """Every media path is relative, under media/, and stays inside the bundle even through
    symbolic links; otherwise opening the project could read (or a clean-up delete) files
    that are not the project's."""
    media_root = (root / "media").resolve()
    for i, item in enumerate(project.media):
        where = f"{source}: media[{i}].path"
        text = item.path
        posix = PurePosixPath(text)
        if "\\" in text or PureWindowsPath(text).drive or posix.is_absolute():
            raise error(
                f'{where} must be a path inside the bundle like "media/clip.mp4", not "{text}".'
            )
        if ".." in posix.parts:
            raise error(f'{where} "{text}" climbs out of the bundle with "..".')
        if len(posix.parts) < 2 or posix.parts[0] != "media":
            raise error(f'{where} "{text}" must be inside the bundle\'s media/ folder.')
        resolved = (root / text).resolve()
        if not resolved.is_relative_to(media_root):
            raise error(f'{where} "{text}" is a symbolic link pointing outside the bundle.')


def load_project(path: str | os.PathLike, use_autosave: bool = False) -> Project:
    """Open a bundle (the folder, or its project.json). With `use_autosave`, open the
    autosave instead; `autosave_status(path)` says whether one newer than the project exists.
    Raises ProjectError (a BadInput) with one sentence; never changes anything on disk."""
    if Path(path).name == AUTOSAVE_FILE:
        use_autosave = True  # the autosave named directly
    root = bundle_root(path)
    if not root.exists():
        raise ProjectError(f"{root} does not exist.")
    if root.is_dir() and not (root / PROJECT_FILE).exists() and not use_autosave:
        raise ProjectError(f"{root} is not a Studio project (it has no {PROJECT_FILE}).")
    file = root / (AUTOSAVE_FILE if use_autosave else PROJECT_FILE)
    if not root.is_dir():  # a JSON file named directly, e.g. a copy from backups/
        file = root
        root = file.parent.parent if file.parent.name == "backups" else file.parent
    signature = _signature(file)
    try:
        project = project_from_dict(read_project_file(file), source=str(file))
        check_media_paths(project, root, str(file))
    except ProjectError as exc:
        kept = backups(root) if file.name == PROJECT_FILE else []
        if kept:
            raise ProjectError(
                f"{str(exc).rstrip('.')}; the last good copy is {kept[-1]}."
            ) from None
        raise
    if file.name == PROJECT_FILE and signature is not None:
        _known_good[str(file)] = signature
    if not use_autosave:
        status = autosave_status(root)
        if status.newer:
            log.warning("%s", status.message)
    log.info("opened %s (%d shots, %d media)", file, len(project.shots), len(project.media))
    return project


def autosave_status(path: str | os.PathLike):  # -> autosave.AutosaveStatus
    from studio.core.autosave import autosave_status as status

    return status(path)


# -- writing -----------------------------------------------------------------------------


def create_project(path: str | os.PathLike, name: str) -> Project:
    """Make a new, empty bundle at `path` (which must end in .studio) and save it."""
    root = Path(path)
    if root.suffix != SUFFIX:
        raise BadInput(f"A project folder's name must end in {SUFFIX}, like {root.name}{SUFFIX}.")
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise BadInput(f"{root} already exists; pick another name or open it instead.")
    project = Project(name=name)
    save_project(project, root)
    log.info("created project %s", root)
    return project


def _make_layout(root: Path) -> None:
    try:
        root.mkdir(parents=True, exist_ok=True)
        for name in SUBFOLDERS:
            (root / name).mkdir(exist_ok=True)
    except OSError as exc:
        raise StudioError(
            f"Could not create the project folder {root}: {exc.strerror or exc}."
        ) from None


def _is_good(file: Path) -> bool:
    """Whether `file` is a project.json that loads (only such a file becomes a backup)."""
    signature = _signature(file)
    if signature is not None and _known_good.get(str(file)) == signature:
        return True
    try:
        project_from_dict(read_project_file(file), source=str(file))
    except (ProjectError, OSError) as exc:
        log.warning("not backing up %s, which does not load: %s", file, exc)
        return False
    return True


def _backup(root: Path, current: Path) -> None:
    """Keep the current project.json in backups/ (a hard link when the disk allows: instant,
    and the rename that follows leaves the link holding the old content)."""
    folder = root / "backups"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"project-{stamp}.json"
    n = 1
    while target.exists():
        target = folder / f"project-{stamp}-{n}.json"
        n += 1
    kept = backups(root)
    if kept and _same_file(kept[-1], current):
        return  # linked by a save that was then interrupted: it is already kept
    _prune_backups(root, keep=BACKUP_KEEP - 1)
    try:
        os.link(current, target)
    except OSError:
        write_atomic(target, current.read_bytes())
    # The link is not fsynced on its own: a power cut that loses it loses one backup, while
    # project.json itself is made durable by the write that follows.


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _prune_backups(root: Path, keep: int = BACKUP_KEEP) -> None:
    """Drop the oldest backups beyond `keep`. Every backup was a file that loaded, and the
    current project.json is not among them, so a good copy always remains."""
    kept = backups(root)
    for old in kept[: max(0, len(kept) - keep)]:
        try:
            old.unlink()
        except OSError as exc:
            log.warning("could not remove the old backup %s: %s", old, exc)


def save_project(project: Project, path: str | os.PathLike) -> Path:
    """Write `project` into the bundle at `path` (created if missing) and return the
    project.json path. The previous project.json goes to backups/ first when it loads; a
    stale autosave is removed, since the saved file now holds everything."""
    root = bundle_root(path)
    if root.suffix != SUFFIX and not (root / PROJECT_FILE).exists():
        # Saving into any folder would scatter media/, cache/... through, say, the home folder.
        raise BadInput(f"A project folder's name must end in {SUFFIX}, like {root.name}{SUFFIX}.")
    data = project_to_dict(project)
    check_media_paths(project, root, "the project", error=StudioError)
    payload = encode_json(data)
    _make_layout(root)
    current = root / PROJECT_FILE
    try:
        remove_stale_temps(root)
        remove_stale_temps(root / "backups")
        if current.exists():
            unchanged = current.stat().st_size == len(payload) and current.read_bytes() == payload
            if not unchanged and _is_good(current):
                _backup(root, current)
        else:
            unchanged = False
        if not unchanged:
            write_atomic(current, payload)
        _known_good[str(current)] = _signature(current) or (0, 0, 0)
        _prune_backups(root)
        (root / AUTOSAVE_FILE).unlink(missing_ok=True)
    except OSError as exc:
        raise StudioError(f"Could not save {current}: {exc.strerror or exc}.") from None
    log.info("saved %s", current)
    return current

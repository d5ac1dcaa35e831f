"""Build the self-contained Studio app for this platform with PyInstaller.

    python build_installer.py            # or: make installer

Linux gives the folder `dist/Studio/` with the executable `dist/Studio/studio`; Windows gives
`dist/Studio/studio.exe`; macOS gives `dist/Studio.app`. Each holds Python, the studio, its
libraries (the torch build installed here), Qt's plugins, the demo model (`assets/`) and the
bundled plugins (`plugins/`), and runs without a Python install or this source tree. Copy the
folder (or the .app) anywhere and run it; `make installer-test` checks that it works.

What goes in is listed in installer/plan.py; installer/studio.spec turns that into the build.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "installer"))
import plan  # installer/plan.py: what goes into the app

SPEC = ROOT / "installer" / "studio.spec"
DATA_ENV = "STUDIO_INSTALLER_DATA"  # where studio.spec takes assets/ and plugins/ from


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="build_installer.py",
        description="Build the self-contained Studio app for this platform (PyInstaller, one "
        "folder; a .app bundle on macOS) and print where it is and how big.",
    )
    parser.add_argument("--dist", type=Path, default=ROOT / "dist", metavar="DIR",
                        help="where the app goes (default: dist/)")
    parser.add_argument("--work", type=Path, default=ROOT / "build" / "installer", metavar="DIR",
                        help="PyInstaller's working folder (default: build/installer/)")
    parser.add_argument("--clean", action="store_true",
                        help="empty PyInstaller's cache first (slower; use after upgrading "
                        "packages)")
    return parser.parse_args(argv)


def data_dir(app: Path) -> Path:
    """Where `assets/` and `plugins/` sit in the built app (sys._MEIPASS, or Resources)."""
    if plan.platform_name() == "macos":
        return app / "Contents" / "Resources"
    return app / "_internal"


def folder_size(path: Path) -> int:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            file = Path(dirpath) / name
            if not file.is_symlink():
                total += file.stat().st_size
    return total


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit in ("B", "KB") else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def make_readable(app: Path) -> None:
    """Let every user read the app: source files written 0600 (some weights are) stay so in a
    build, and an app installed by an administrator must still open for everyone."""
    for dirpath, dirs, files in os.walk(app):
        for name in dirs + files:
            path = Path(dirpath) / name
            if path.is_symlink():
                continue
            mode = path.stat().st_mode
            wanted = mode | stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
            if path.is_dir() or mode & stat.S_IXUSR:
                wanted |= stat.S_IXGRP | stat.S_IXOTH
            if wanted != mode:
                path.chmod(wanted)


def snapshot_app_data(work: Path) -> Path:
    """Copy `assets/` and `plugins/` into the work folder and build from the copy, so a file
    that changes during the long build (a model being retrained) cannot half-break it."""
    target = work / "app-data"
    shutil.rmtree(target, ignore_errors=True)
    for src, dest in plan.app_data_files():
        (target / dest).mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target / dest)
    return target


def check_result(dist: Path, data_root: Path) -> list[str]:
    """What is missing from a finished build (empty when it looks complete)."""
    problems = []
    exe = plan.executable_path(dist)
    if not exe.is_file():
        problems.append(f"the executable {exe} was not made")
    shipped = data_dir(plan.app_path(dist))
    missing = [str(Path(dest) / Path(src).name) for src, dest in plan.app_data_files(data_root)
               if not (shipped / dest / Path(src).name).is_file()]
    if missing:
        problems.append(f"{len(missing)} files of {', '.join(plan.APP_FOLDERS)} are missing "
                        f"from the app, e.g. {missing[0]}")
    if not (shipped / "plugins").is_dir():
        problems.append("plugins/ is missing from the app")
    return problems


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if importlib.util.find_spec("PyInstaller") is None:
        print("error: PyInstaller is not installed; run `make setup` (or "
              "`pip install pyinstaller`) and try again.", file=sys.stderr)
        return 2
    if not (ROOT / "assets" / "models" / "demo" / "model_index.json").is_file():
        print("note: assets/models/demo/ has no model yet; the app is built without the demo "
              "model", file=sys.stderr)
    try:
        data_root = snapshot_app_data(args.work)
    except OSError as exc:
        print(f"error: could not copy assets/ and plugins/ for the build ({exc}); if a model "
              "was being written there, wait for it and run again.", file=sys.stderr)
        return 1
    command = [sys.executable, "-m", "PyInstaller", str(SPEC), "--noconfirm",
               "--distpath", str(args.dist), "--workpath", str(args.work),
               "--log-level", "WARN"]
    if args.clean:
        command.append("--clean")
    print(f"building the {plan.platform_name()} app with PyInstaller (this takes a while)...",
          flush=True)
    started = time.monotonic()
    code = subprocess.call(command, cwd=ROOT, env=dict(os.environ, **{DATA_ENV: str(data_root)}))
    minutes = (time.monotonic() - started) / 60
    if code != 0:
        print(f"error: PyInstaller failed (exit code {code}); its messages are above.",
              file=sys.stderr)
        return 1
    problems = check_result(args.dist, data_root)
    if problems:
        print("error: the build is incomplete: " + "; ".join(problems) + ".", file=sys.stderr)
        return 1
    app = plan.app_path(args.dist)
    if plan.platform_name() != "windows":
        make_readable(app)
    print(f"built {app} in {minutes:.1f} min")
    print(f"  executable: {plan.executable_path(args.dist)}")
    print(f"  size: {human_size(folder_size(app))}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

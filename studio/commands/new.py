"""`studio new NAME.studio`: an empty project, ready for shots and imports."""

from __future__ import annotations

import argparse
from pathlib import Path

from studio.core import bundle
from studio.core.errors import BadInput
from studio.core.timecode import parse_rate, rate_text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", metavar="NAME.studio", help="the project folder to create")
    parser.add_argument("--fps", default="24", metavar="RATE",
                        help="frame rate: 23.976, 24, 25, 29.97, 30, 50, 59.94, 60 (default 24)")
    parser.add_argument("--size", default="832x480", metavar="WxH",
                        help="frame size of the cut (default 832x480)")


def run(args: argparse.Namespace) -> int:
    path = Path(args.path)
    try:
        rate = parse_rate(args.fps)
    except ValueError as exc:
        raise BadInput(str(exc)) from None
    width, height = _size(args.size)
    project = bundle.create_project(path, path.stem)
    project.rate, project.width, project.height = rate, width, height
    bundle.save_project(project, path)
    print(f"created {path} ({width}x{height} at {rate_text(rate)} fps)")
    return 0


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise BadInput(f"--size must look like 832x480, not {text!r}") from None
    if width < 16 or height < 16 or width > 8192 or height > 8192:
        raise BadInput(f"--size {text} is outside 16x16 to 8192x8192")
    return width, height

"""The `studio` command: headless subcommands, or the window when none is named.

Each subcommand lives in its own module under `studio/commands/` with two functions,
`add_arguments(parser)` and `run(args) -> int`, and is listed in COMMANDS. A module is
imported only when its command runs, so `studio --help` stays quick and the GUI never pays
for torch.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from studio import __version__
from studio.core.errors import StudioError

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "new": ("studio.commands.new", "create an empty project (NAME.studio)"),
    "doctor": ("studio.commands.doctor", "report Python, torch, devices, codecs and folders"),
    "plugins": ("studio.commands.plugins", "list plugins, their contributions and state"),
    "generate": ("studio.commands.generate", "make a video take from a prompt, an image or clips"),
    "models": ("studio.commands.models", "list the models the studio can use; pull one from the Hub"),
    "import": ("studio.commands.import_", "add video, image or timeline files to a project"),
    "demo": ("studio.commands.demo", "make a short film with the demo model, headless"),
    "export": ("studio.commands.export", "write the cut for an editing suite, or render it"),
    "verify": ("studio.commands.verify", "check a file's C2PA manifest (Content Credentials)"),
}

log = logging.getLogger(__name__)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="studio",
        description="A timeline editor for video made with local AI models. "
        "With no command, opens the studio window (on PROJECT.studio if given).",
    )
    parser.add_argument("--version", action="version", version=f"studio {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in COMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def _command_parser(name: str) -> tuple[argparse.ArgumentParser, object]:
    module = importlib.import_module(COMMANDS[name][0])
    parser = argparse.ArgumentParser(prog=f"studio {name}", description=COMMANDS[name][1])
    module.add_arguments(parser)
    return parser, module


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from studio.core.logs import setup_logging

    setup_logging()
    if argv and argv[0] in COMMANDS:
        name, rest = argv[0], argv[1:]
        parser, module = _command_parser(name)
        args = parser.parse_args(rest)
        return _run(module, args)
    if argv and argv[0].startswith("-"):
        build_parser().parse_args(argv)  # --help / --version exit here; others are errors
    if len(argv) > 1 or (argv and not argv[0].endswith(".studio")):
        build_parser().error(f"unknown command or not a .studio project: {argv[0]}")
    from studio.app import run_gui

    return run_gui(argv[0] if argv else None)


def _run(module, args) -> int:
    try:
        return int(module.run(args) or 0)
    except StudioError as exc:
        log.info("command failed: %s", exc)
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`studio doctor --json | head`): not a failure of ours.
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps the exit flush quiet
        return 0
    except Exception as exc:  # a bug: say so in one line, keep the traceback in the log
        log.exception("command crashed")
        from studio.core.logs import log_file_path

        print(f"error: {type(exc).__name__}: {exc} (details in {log_file_path()})",
              file=sys.stderr)
        return 1

"""The frozen app's entry point: the `studio` executable built by build_installer.py.

In a frozen app `sys.executable` is this program, not a Python interpreter, yet the studio
starts children through it in three ways, and each must reach the right code:

- the engine host (multiprocessing, spawn): `freeze_support()` turns the child's
  `--multiprocessing-fork` arguments into the host, and PyInstaller's runtime hook does the
  same for multiprocessing's resource tracker;
- the media probe (`studio.media.safe_probe`) runs `sys.executable -c CODE`: handled here by
  running CODE, as `python -c` would;
- the Diagnostics dialog runs `sys.executable -m studio doctor`: `-m studio` is dropped here
  and the rest goes to the studio's command line.
"""

from __future__ import annotations

import multiprocessing
import sys


def _run_code(code: str, rest: list[str]) -> int:
    """`python -c CODE ARGS...`: run CODE as the `__main__` module with argv `-c ARGS...`."""
    sys.argv = ["-c", *rest]
    # The same trust as `python -c`: the code comes from whoever starts the program.
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    exec(compile(code, "<string>", "exec"), namespace)  # noqa: S102
    return 0


def main() -> int:
    # First of all: in a spawned child this runs the child's target and exits.
    multiprocessing.freeze_support()
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "-c":
        return _run_code(args[1], args[2:])
    if args[:2] == ["-m", "studio"]:
        args = args[2:]
    from studio.cli import main as studio_main

    return studio_main(args)


if __name__ == "__main__":
    raise SystemExit(main())

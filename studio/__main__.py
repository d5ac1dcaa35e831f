"""`python -m studio` and the `studio` console script."""

from studio.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

"""Errors that reach the user. Each message is one plain sentence saying what is wrong."""


class StudioError(Exception):
    """A failure while running (exit code 1)."""

    exit_code = 1


class BadInput(StudioError):
    """The user or a file gave something we cannot take (exit code 2)."""

    exit_code = 2

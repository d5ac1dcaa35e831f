"""Assertions about undo shared by the example-based and the property-based edit tests."""

from __future__ import annotations

import copy


def assert_undo_then_redo_restore(stack, project, original) -> None:
    """Undoing every edit gives back `original`; redoing them all gives back the edited project."""
    edited = copy.deepcopy(project)
    while stack.can_undo:
        stack.undo()
    assert project == original
    while stack.can_redo:
        stack.redo()
    assert project == edited

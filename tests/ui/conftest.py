"""Fixtures for driving the real studio window against the scriptable fake engine."""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # fake_engine, ui_host_jobs (the host imports it)

from fake_engine import FakeEngineClient


@pytest.fixture
def studio_home(tmp_path, monkeypatch):
    """Every user folder (config, logs, cache, models) under the test's tmp folder."""
    home = tmp_path / "home"
    monkeypatch.setenv("STUDIO_HOME", str(home))
    return home


@pytest.fixture
def fake_engine():
    return FakeEngineClient(steps=3)


@pytest.fixture
def make_window(qtbot, tmp_path, studio_home, fake_engine):
    """Build main windows on the fake engine; each is shut down at the end of the test."""
    from PySide6.QtCore import QSettings

    from studio.app import build_window

    windows = []

    def make(project_path=None, client=None):
        settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
        window = build_window(project_path, client_factory=lambda: client or fake_engine,
                              settings=settings)
        windows.append(window)
        return window

    yield make
    # Not qtbot.addWidget: pytest-qt closes its widgets before fixtures end, and closing a
    # window with unsaved work would ask. Shut down first (stops the host), then close.
    for window in windows:
        window.shutdown()
        window.close()
        window.deleteLater()


@pytest.fixture(autouse=True)
def _no_blocking_dialogs(monkeypatch):
    """A question nobody scripted fails the test instead of waiting for a click forever."""
    from PySide6.QtWidgets import QMessageBox

    from studio.ui import dialogs

    def unexpected(*args, **kwargs):
        raise AssertionError(f"an unexpected dialog was opened: {args[1:3]}")

    for name in ("ask_save", "ask_recover", "ask_extend", "ask_fill", "show_refused"):
        monkeypatch.setattr(dialogs, name, unexpected)
    for name in ("critical", "question", "warning", "information"):
        monkeypatch.setattr(QMessageBox, name, staticmethod(unexpected))


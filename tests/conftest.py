"""Settings for the whole suite: offscreen Qt, and user folders kept inside a temp dir."""

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True)
def _user_folders(tmp_path_factory, monkeypatch):
    """Never touch the real user's config, logs, models or plugins from a test."""
    home = tmp_path_factory.mktemp("studio_home")
    monkeypatch.setenv("STUDIO_HOME", str(home))
    yield home

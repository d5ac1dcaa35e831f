"""Fixtures for the interchange tests."""

from pathlib import Path

import pytest
from interchange_project import Built, build_project


@pytest.fixture
def built(tmp_path: Path) -> Built:
    return build_project(tmp_path)

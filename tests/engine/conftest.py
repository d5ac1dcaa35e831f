"""Tiny models for the engine tests, built once per session into a temporary folder."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

import tiny_models


@pytest.fixture(scope="session")
def tiny_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("tiny_models")


@pytest.fixture(scope="session")
def tiny_model(tiny_root):
    """tiny_model("wan_vace") -> the folder of that tiny model, built on first use."""

    def build(kind: str) -> Path:
        return tiny_models.build_tiny(kind, tiny_root)

    return build


@pytest.fixture(scope="session")
def pipeline_cache():
    from studio.engine.cache import PipelineCache

    return PipelineCache(max_models=16)


@pytest.fixture
def clip() -> np.ndarray:
    """A 9-frame 32x32 clip: a colour ramp that moves, so frames differ."""
    t = np.arange(9)[:, None, None, None]
    y = np.arange(32)[None, :, None, None]
    x = np.arange(32)[None, None, :, None]
    c = np.array([0, 1, 2])[None, None, None, :]
    return ((x * 6 + y * 3 + t * 10 + c * 70) % 256).astype(np.uint8)

"""Frames for media tests: small, different from one another, easy to tell apart."""

import numpy as np
import pytest


def make_frames(count: int, height: int = 48, width: int = 64) -> np.ndarray:
    """Smooth gradients (which codecs keep well) plus a white square that moves 4 px a frame
    and a blue level that steps with the frame, so every frame is recognisably itself."""
    frames = np.zeros((count, height, width, 3), np.uint8)
    frames[..., 0] = np.linspace(0, 255, width, dtype=np.uint8)[None, None, :]
    frames[..., 1] = np.linspace(0, 255, height, dtype=np.uint8)[None, :, None]
    for index in range(count):
        frames[index, ..., 2] = (index * 29) % 256
        x = 4 + (index * 4) % (width - 12)
        frames[index, 4:12, x : x + 8] = 255
    return frames


@pytest.fixture
def frames_factory():
    return make_frames


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean())
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


@pytest.fixture
def psnr_of():
    return psnr


def nearest_frame(frame: np.ndarray, frames: np.ndarray) -> int:
    """Which of `frames` this decoded frame is closest to."""
    errors = [np.abs(frame.astype(np.int32) - f.astype(np.int32)).mean() for f in frames]
    return int(np.argmin(errors))


@pytest.fixture
def nearest_of():
    return nearest_frame

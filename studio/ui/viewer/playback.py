"""Playback timing: which frame belongs on screen now, read from a monotonic clock.

A QTimer only wakes the viewer up; the frame shown is always computed from the time since
play started, so a late tick or a slow decode skips frames instead of letting the picture
drift behind the clock.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from fractions import Fraction

log = logging.getLogger(__name__)

MAX_SHUTTLE = 8  # fastest J / L speed, times normal


class Shuttle:
    """J / K / L: L plays forward and each further L doubles the speed; J the same backwards;
    K stops."""

    def __init__(self) -> None:
        self.speed = 0

    def forward(self) -> int:
        self.speed = 1 if self.speed <= 0 else min(MAX_SHUTTLE, self.speed * 2)
        return self.speed

    def backward(self) -> int:
        self.speed = -1 if self.speed >= 0 else max(-MAX_SHUTTLE, self.speed * 2)
        return self.speed

    def stop(self) -> int:
        self.speed = 0
        return self.speed


class PlaybackClock:
    """Frame = the frame play started at + elapsed seconds x rate x speed."""

    def __init__(self, rate: Fraction, now: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self._now = now
        self._origin_time = 0.0
        self._origin_frame = 0
        self.speed = 0

    @property
    def running(self) -> bool:
        return self.speed != 0

    def start(self, frame: int, speed: int) -> None:
        self._origin_time = self._now()
        self._origin_frame = frame
        self.speed = speed

    def stop(self) -> None:
        self.speed = 0

    def frame(self) -> int:
        if not self.speed:
            return self._origin_frame
        advanced = (self._now() - self._origin_time) * float(self.rate) * self.speed
        # Truncate towards zero: a frame is shown once its whole duration has begun.
        return self._origin_frame + math.trunc(advanced)

    def tick_interval_ms(self) -> int:
        """Wake twice a frame at normal speed, so a frame is never shown half a frame late."""
        return max(4, int(500 / (float(self.rate) * max(1, abs(self.speed)))))

"""Snapping: pull a dragged edge onto a nearby clip edge or the playhead.

Plain functions over frame numbers, so the rules are testable without a view.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from studio.core.model import Clip, Timeline

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Snap:
    shift: int  # frames to add to what was dragged
    target: int  # the frame it snapped to (where the guide line goes)


def edge_targets(timeline: Timeline, playhead: int, exclude: Iterable[str] = ()) -> list[int]:
    """Every frame an edge may snap to: clip starts and ends on all tracks, the playhead, 0."""
    skip = set(exclude)
    targets = {0, playhead}
    for track in timeline.tracks:
        at = 0
        for item in track.items:
            if isinstance(item, Clip) and item.id not in skip:
                targets.add(at)
                targets.add(at + item.duration)
            at += item.duration
    return sorted(targets)


def snap(edges: Iterable[int], targets: Iterable[int], threshold: float) -> Snap | None:
    """The smallest shift that puts one of `edges` on one of `targets`, if within `threshold`
    frames; None when nothing is close enough."""
    best: Snap | None = None
    target_list = list(targets)
    for edge in edges:
        for target in target_list:
            shift = target - edge
            if abs(shift) <= threshold and (best is None or abs(shift) < abs(best.shift)):
                best = Snap(shift, target)
    return best

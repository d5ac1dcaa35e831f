"""Pure functions that edit a track's items. Nothing here mutates an item in place.

A track is stored as OTIO stores it: items end to end, gaps explicit. Edits are easier to
reason about as "clips at absolute frames", so each operation turns the items into
`Placed(start, clip)` pieces, changes those, and lays them out again with gaps between.
Items are never changed in place (a trimmed clip is a new `Clip` with the same id), which is
what lets undo keep a plain list copy of a track's items.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from studio.core.errors import BadInput
from studio.core.model import Clip, FrameRange, Gap, Item, new_id


class EditError(BadInput):
    """An edit that cannot be made as asked (it would overlap, or run past the media)."""


@dataclass(frozen=True)
class Placed:
    start: int
    clip: Clip

    @property
    def end(self) -> int:
        return self.start + self.clip.duration


def pieces(items: list[Item]) -> list[Placed]:
    out, at = [], 0
    for item in items:
        if isinstance(item, Clip):
            out.append(Placed(at, item))
        at += item.duration
    return out


def layout(placed: list[Placed]) -> list[Item]:
    """Clips at absolute frames -> items end to end, gaps between, no trailing gap."""
    items: list[Item] = []
    at = 0
    for piece in sorted(placed, key=lambda p: p.start):
        if piece.clip.duration <= 0:
            continue
        if piece.start < at:
            raise EditError(f"clip {piece.clip.name!r} would overlap the clip before it")
        if piece.start > at:
            items.append(Gap(piece.start - at))
        items.append(piece.clip)
        at = piece.end
    return items


def slice_clip(clip: Clip, offset: int, duration: int, *, keep_id: bool) -> Clip:
    """The part of `clip` from `offset` frames into it, `duration` frames long."""
    src = clip.source_range
    return replace(
        clip,
        source_range=FrameRange(src.start + offset, duration),
        id=clip.id if keep_id else new_id(),
    )


def carve(placed: list[Placed], start: int, end: int) -> list[Placed]:
    """Empty the frames [start, end): clips there are cut back or split around the hole."""
    out: list[Placed] = []
    for p in placed:
        if p.end <= start or p.start >= end:
            out.append(p)
            continue
        kept_left = p.start < start
        if kept_left:
            out.append(Placed(p.start, slice_clip(p.clip, 0, start - p.start, keep_id=True)))
        if p.end > end:
            right = slice_clip(p.clip, end - p.start, p.end - end, keep_id=not kept_left)
            out.append(Placed(end, right))
    return out


def find(placed: list[Placed], clip_id: str) -> Placed:
    for p in placed:
        if p.clip.id == clip_id:
            return p
    raise EditError(f"there is no clip {clip_id} on this track")


def place(items: list[Item], clip: Clip, at: int, *, ripple: bool = False) -> list[Item]:
    """Overwrite edit (or insert edit with `ripple`): the clip lands at frame `at`."""
    if at < 0:
        raise EditError(f"a clip cannot start before the first frame (asked for frame {at})")
    if clip.duration <= 0:
        raise EditError(f"clip {clip.name!r} has no frames to place")
    placed = pieces(items)
    if ripple:
        placed = carve(placed, at, at)  # split whatever straddles the insert point
        placed = [
            Placed(p.start + clip.duration, p.clip) if p.start >= at else p for p in placed
        ]
    else:
        placed = carve(placed, at, at + clip.duration)
    return layout(placed + [Placed(at, clip)])


def remove(items: list[Item], clip_id: str, *, ripple: bool = False) -> list[Item]:
    """Take a clip out, leaving a gap, or closing it when `ripple`."""
    placed = pieces(items)
    gone = find(placed, clip_id)
    rest = [p for p in placed if p.clip.id != clip_id]
    if ripple:
        rest = [Placed(p.start - gone.clip.duration, p.clip) if p.start >= gone.end else p
                for p in rest]
    return layout(rest)


def close_gap(items: list[Item], gap_id: str) -> list[Item]:
    """Ripple-delete a gap: everything after it moves up."""
    out = [item for item in items if item.id != gap_id]
    if len(out) == len(items):
        raise EditError(f"there is no gap {gap_id} on this track")
    return layout(pieces(out))


def split(items: list[Item], clip_id: str, at: int) -> tuple[list[Item], str]:
    """Cut a clip in two at timeline frame `at`; the right part gets a new id (returned)."""
    placed = pieces(items)
    p = find(placed, clip_id)
    if not p.start < at < p.end:
        raise EditError(
            f"frame {at} is not inside clip {p.clip.name!r} (frames {p.start}-{p.end - 1})"
        )
    left = slice_clip(p.clip, 0, at - p.start, keep_id=True)
    right = slice_clip(p.clip, at - p.start, p.end - at, keep_id=False)
    rest = [q for q in placed if q.clip.id != clip_id]
    return layout(rest + [Placed(p.start, left), Placed(at, right)]), right.id


def trim(items: list[Item], clip_id: str, edge: str, delta: int, media_frames: int | None
         ) -> list[Item]:
    """Move one edge of a clip by `delta` frames (positive = later), the other edge staying.

    The clip may only grow into empty frames and within its media (`media_frames`, or
    unlimited for a still image when None).
    """
    placed = pieces(items)
    p = find(placed, clip_id)
    src = p.clip.source_range
    if edge not in ("start", "end"):
        raise ValueError(f"edge must be 'start' or 'end', not {edge!r}")
    if (src.duration + delta if edge == "end" else src.duration - delta) < 1:
        raise EditError(f"clip {p.clip.name!r} would have no frames left")
    if edge == "end":
        start, new_src = p.start, FrameRange(src.start, src.duration + delta)
    else:
        start, new_src = p.start + delta, FrameRange(src.start + delta, src.duration - delta)
    if start < 0 or new_src.start < 0:
        raise EditError(f"clip {p.clip.name!r} cannot start before its media's first frame")
    if media_frames is not None and new_src.end_exclusive > media_frames:
        raise EditError(
            f"clip {p.clip.name!r} cannot run past the end of its media ({media_frames} frames)"
        )
    rest = [q for q in placed if q.clip.id != clip_id]
    new = Placed(start, replace(p.clip, source_range=new_src))
    if any(q.start < new.end and new.start < q.end for q in rest):
        raise EditError(f"clip {p.clip.name!r} cannot grow over the clip next to it")
    return layout(rest + [new])

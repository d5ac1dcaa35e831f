"""Training samples for the demo model, rendered ahead in worker processes.

Sample i of a feed is a pure function of the feed's seed and i: a training scene, one caption
phrasing of it (and the same caption with the directions reversed, and with the shapes in
their nearest other colours), its frames and where its shapes are. A run keeps how many
samples it has taken, so a resumed run goes on with the same sequence whatever the number of
workers.

On a GPU the model's steps take milliseconds and drawing the scenes in numpy would leave the
device waiting, so `workers` processes render chunks of the sequence ahead of the trainer. With
no workers (the default, and the right choice on a small CPU) samples are rendered when taken.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import time
from collections import deque
from dataclasses import dataclass

import numpy as np

from studio.demo.captions import caption, recoloured_caption, reversed_caption
from studio.demo.scenes import HELD_OUT_SEED_START, make_scene, render, shape_masks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sample:
    seed: int
    frames: np.ndarray  # uint8 (F, H, W, 3)
    text: str
    reversed: str  # the caption with its directions reversed
    recoloured: str  # the caption with each shape in the nearest other colour
    shapes: np.ndarray  # bool (F, H, W): the pixels a shape covers


def make_sample(seed: int, variant: int, held_out: bool = False) -> Sample:
    """The sample of scene `seed` with caption phrasing `variant`."""
    scene = make_scene(seed)
    return Sample(
        seed,
        render(scene),
        caption(scene, variant, held_out=held_out),
        reversed_caption(scene, variant, held_out=held_out),
        recoloured_caption(scene, variant, held_out=held_out),
        shape_masks(scene),
    )


def train_seed(rng: np.random.Generator) -> int:
    """A random scene seed below the held-out ones."""
    return int(rng.integers(0, HELD_OUT_SEED_START))


def has_small_shape(seed: int) -> bool:
    return any(m.size == "small" for m in make_scene(seed).movers)


def nth_sample(feed_seed: int, index: int, small_share: float = 0.0) -> Sample:
    """Sample `index` of the feed: a random training scene, except that a `small_share` of the
    samples are drawn again until their scene has a small shape (with 0, the draws are those of
    a feed that never had the setting)."""
    rng = np.random.default_rng([feed_seed, index])
    seed, variant = train_seed(rng), int(rng.integers(1 << 30))
    if small_share > 0 and rng.random() < small_share:
        while not has_small_shape(seed):
            seed = train_seed(rng)
    return make_sample(seed, variant)


def _ignore_interrupts() -> None:
    # Ctrl-C reaches every process of the terminal's group: the trainer saves and stops the
    # workers itself, which must not die first and leave it waiting for their samples.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _chunk(feed_seed: int, start: int, count: int, small_share: float) -> list[Sample]:
    return [nth_sample(feed_seed, i, small_share) for i in range(start, start + count)]


# How long closing a feed waits for the chunks already asked of its workers.
CLOSE_WAIT_S = 120.0


class SampleFeed:
    """The training samples in order, rendered by `workers` processes up to `ahead` chunks of
    CHUNK samples before they are taken. `small_share` is nth_sample's."""

    CHUNK = 8

    def __init__(
        self, seed: int, workers: int = 0, ahead: int | None = None, small_share: float = 0.0
    ) -> None:
        self.seed = seed
        self.small_share = small_share
        self.workers = workers
        self.ahead = ahead if ahead is not None else 4 * workers
        self.taken = 0  # samples handed out so far: the position a resumed run goes on from
        self._pool = None
        self._next = 0  # the first sample not yet asked of the workers
        self._pending: deque = deque()
        self._ready: deque[Sample] = deque()

    def seek(self, taken: int) -> None:
        """Go on from sample `taken` (a resumed run); what was rendered ahead is dropped."""
        self.taken = self._next = taken
        self._pending.clear()
        self._ready.clear()

    def take(self, n: int) -> list[Sample]:
        while len(self._ready) < n:
            if self.workers <= 0:
                self._ready.extend(_chunk(self.seed, self._next, self.CHUNK, self.small_share))
                self._next += self.CHUNK
                continue
            self._top_up()
            self._ready.extend(self._pending.popleft().get())
        self._top_up()
        self.taken += n
        return [self._ready.popleft() for _ in range(n)]

    def _top_up(self) -> None:
        if self.workers <= 0:
            return
        if self._pool is None:
            # Spawned, not forked: the trainer's process holds torch's threads and a GPU context.
            context = multiprocessing.get_context("spawn")
            self._pool = context.Pool(self.workers, initializer=_ignore_interrupts)
            log.info("rendering training scenes in %d worker processes", self.workers)
        while len(self._pending) < max(1, self.ahead):
            self._pending.append(
                self._pool.apply_async(
                    _chunk, (self.seed, self._next, self.CHUNK, self.small_share)
                )
            )
            self._next += self.CHUNK

    def close(self) -> None:
        """Stop the workers once the chunks asked of them are rendered.

        A worker killed halfway through sending its chunk leaves half a message in the pool's
        result pipe, and the pool's own shutdown then waits for the rest of it forever. So the
        workers finish what they were given and leave on their own; they are killed only if a
        chunk is still not back after CLOSE_WAIT_S (its worker died, and nothing is sending)."""
        if self._pool is not None:
            deadline = time.monotonic() + CLOSE_WAIT_S
            for pending in self._pending:
                pending.wait(max(0.0, deadline - time.monotonic()))
            if all(pending.ready() for pending in self._pending):
                self._pool.close()
            else:
                log.warning("a scene worker did not answer; stopping the workers")
                self._pool.terminate()
            self._pool.join()
            self._pool = None
        self._pending.clear()

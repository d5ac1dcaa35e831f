"""Loaded pipelines kept warm between jobs, within a memory budget.

Loading a video model takes from seconds to minutes, so the engine host keeps the most
recently used ones. A pipeline is tied to its placement (device, dtype, offload); a job that
needs another placement loads the model again. The least recently used ones are dropped when
the estimated weights exceed the budget.
"""

from __future__ import annotations

import gc
import logging
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from studio.engine.families import ModelInfo
from studio.engine.memory import DTYPE_BYTES, MemoryPlan

log = logging.getLogger(__name__)


@dataclass
class Loaded:
    pipe: Any
    backend: Any
    plan: MemoryPlan
    weights_hash: str
    bytes: int
    preview_map: Any = None


class PipelineCache:
    """Keeps loaded pipelines by (model folder, placement), least recently used dropped first."""

    def __init__(self, budget_bytes: int | None = None, max_models: int = 2) -> None:
        # Without a budget, the device's own capacity (given to `make_room`) is the budget.
        self.budget_bytes = budget_bytes
        self.max_models = max_models
        self._entries: OrderedDict[tuple, Loaded] = OrderedDict()

    @staticmethod
    def key(info: ModelInfo, plan: MemoryPlan) -> tuple:
        return (str(Path(info.path).resolve()), info.family.name, plan.placement())

    def get(self, info: ModelInfo, plan: MemoryPlan) -> Loaded | None:
        key = self.key(info, plan)
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def make_room(self, info: ModelInfo, plan: MemoryPlan, needed: int, capacity: int) -> None:
        """Before loading: drop other placements of this model, then the least recently used
        models until `needed` more bytes fit in the budget (or `capacity` when none was set)."""
        key = self.key(info, plan)
        for other in [k for k in self._entries if k[:2] == key[:2] and k != key]:
            self._drop(other)
        budget = self.budget_bytes if self.budget_bytes is not None else int(capacity * 0.8)
        while self._entries and (
            len(self._entries) >= self.max_models
            or sum(e.bytes for e in self._entries.values()) + needed > budget
        ):
            self._drop(next(iter(self._entries)))

    def put(self, info: ModelInfo, plan: MemoryPlan, entry: Loaded) -> None:
        key = self.key(info, plan)
        self._entries[key] = entry
        self._entries.move_to_end(key)

    def find(self, path: str | Path) -> Loaded | None:
        """The most recently used pipeline of the model folder `path`, if loaded."""
        wanted = str(Path(path).resolve())
        for key in reversed(self._entries):
            if key[0] == wanted:
                return self._entries[key]
        return None

    def estimate_bytes(self, params: int, plan: MemoryPlan) -> int:
        return params * DTYPE_BYTES.get(plan.dtype, 2)

    def _drop(self, key: tuple) -> None:
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        log.info("unloading %s", key[0])
        del entry
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:
            pass

    def clear(self) -> None:
        for key in list(self._entries):
            self._drop(key)

    def __len__(self) -> int:
        return len(self._entries)

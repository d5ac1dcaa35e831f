"""The models the studio can see, listed off the GUI thread, and what each can do.

Listing reads model folders and the Hugging Face cache, which can be slow, so it runs on the
pool; until it arrives the inspector shows the shot's model as it is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

from studio.core.model import Mode
from studio.engine.families import MODE_NAMES  # reads JSON only: no torch in the GUI
from studio.ui.background import Background

log = logging.getLogger(__name__)

@dataclass(frozen=True)
class ModelChoice:
    """One model as the UI offers it."""

    id: str
    label: str
    modes: frozenset[Mode]
    pins: str  # what it can pin, in words
    spatial: int = 16  # sides are multiples of this
    temporal: int = 4  # frames are temporal*k + 1
    fixed: tuple[int, int] | None = None  # (width, height) of a model made for one size only
    native: tuple[int, int] | None = None  # (width, height) it was trained at, when known
    problem: str = ""  # why it cannot be used at all ("" when usable)

    def can(self, mode: Mode) -> bool:
        return not self.problem and mode in self.modes

    def why_not(self, mode: Mode) -> str:
        if self.problem:
            return self.problem
        if mode in self.modes:
            return ""
        can = ", ".join(MODE_NAMES[m] for m in Mode if m in self.modes) or "nothing"
        return f"{self.id} cannot do {MODE_NAMES[mode]}: it pins {self.pins} (it can do {can})"


def list_choices() -> list[ModelChoice]:
    """Every model with what it can do; runs on a pool thread."""
    from studio.engine.sources import list_models

    choices = []
    for listing in list_models():
        info = listing.info
        if info is None:
            choices.append(ModelChoice(listing.id, listing.id, frozenset(), "nothing",
                                       problem=listing.problem or "this model cannot be used"))
            continue
        choices.append(ModelChoice(
            listing.id, f"{listing.id} ({info.family.label})", frozenset(info.modes),
            info.pins.value, info.rule.spatial, info.rule.temporal, info.rule.fixed,
            (info.native.width, info.native.height) if info.native else None))
    return choices


def _rule_of(model_id: str) -> tuple[int, int] | None:
    from studio.core.errors import StudioError
    from studio.engine.sources import resolve_model

    try:
        info = resolve_model(model_id)
    except StudioError as exc:
        log.info("no size rule for %s: %s", model_id, exc)
        return None
    return info.rule.spatial, info.rule.temporal


class ModelCatalog(QObject):
    """Holds the model list; `refresh()` lists again on the pool, `loaded` fires when ready."""

    loaded = Signal()

    def __init__(self, background: Background, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._background = background
        self.choices: list[ModelChoice] = []
        self.ready = False
        self._looked_up: dict[str, tuple[int, int] | None] = {}

    def refresh(self) -> None:
        self._background.run(list_choices, done=self._on_listed, failed=self._on_failed)

    def set_choices(self, choices: list[ModelChoice]) -> None:
        self.choices, self.ready = list(choices), True
        self.loaded.emit()

    def get(self, model_id: str) -> ModelChoice | None:
        return next((c for c in self.choices if c.id == model_id), None)

    def rule(self, model_id: str) -> tuple[int, int] | None:
        """(spatial, temporal) size rule of a model, else None when it cannot be found.

        A model not in the list (it is not loaded yet, or was named by path) is looked up
        once by reading its JSON files, which takes milliseconds.
        """
        choice = self.get(model_id)
        if choice is not None:
            return (choice.spatial, choice.temporal) if not choice.problem else None
        if model_id not in self._looked_up:
            self._looked_up[model_id] = _rule_of(model_id)
        return self._looked_up[model_id]

    def native_size(self, model_id: str) -> tuple[int, int] | None:
        """The (width, height) a model was made for, when its files say one (else None)."""
        choice = self.get(model_id)
        if choice is None or choice.problem:
            return None
        return choice.fixed or choice.native

    def _on_listed(self, choices: list[ModelChoice]) -> None:
        log.info("found %d model(s)", len(choices))
        self.set_choices(choices)

    def _on_failed(self, error: BaseException) -> None:
        log.warning("listing models failed: %s", error)
        self.set_choices([])

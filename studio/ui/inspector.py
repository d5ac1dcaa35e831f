"""The inspector: the selected shot's generation settings, and the selected take's recipe.

Every edit is an `EditShot` command on the undo stack, so each change can be undone. The
widgets are refreshed from the shot whenever the project says it changed (an undo included);
while refreshing, their signals are blocked so a refresh never becomes an edit.
"""

from __future__ import annotations

import logging
import random
from dataclasses import asdict
from fractions import Fraction

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from studio.core.edits import EditShot
from studio.core.model import Project, Shot
from studio.ui.job_specs import MAX_SEED
from studio.ui.models import MODE_NAMES, ModelCatalog
from studio.ui.undo_actions import UndoActions

log = logging.getLogger(__name__)

RATES = ("8", "12", "16", "24000/1001", "24", "25", "30000/1001", "30", "50", "60")


class PromptEdit(QPlainTextEdit):
    """A multi-line prompt box that says when the user is done typing (focus leaves)."""

    editing_finished = Signal()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self.editing_finished.emit()


class InspectorPanel(QWidget):
    """Edits the selected shot; shows the selected take's recipe read-only."""

    def __init__(self, project: Project, undo: UndoActions, catalog: ModelCatalog,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("inspector_panel")
        self.project, self.undo, self.catalog = project, undo, catalog
        self.shot_id: str | None = None
        self._refreshing = False

        self.title = QLabel("No shot selected")
        self.title.setStyleSheet("font-weight: bold")
        self.prompt = PromptEdit()
        self.prompt.setObjectName("prompt")
        self.prompt.setPlaceholderText("What happens in this shot")
        self.prompt.setMaximumHeight(90)
        self.negative = PromptEdit()
        self.negative.setObjectName("negative_prompt")
        self.negative.setPlaceholderText("What to avoid")
        self.negative.setMaximumHeight(60)
        self.model = QComboBox()
        self.model.setObjectName("model")
        self.model.setModel(QStandardItemModel(self.model))
        self.mode = QLabel()
        self.width_box = self._spin(8, 8192, 16, " px")
        self.height_box = self._spin(8, 8192, 16, " px")
        self.seconds = QDoubleSpinBox()
        self.seconds.setRange(0.05, 3600.0)
        self.seconds.setDecimals(2)
        self.seconds.setSuffix(" s")
        self.frames = self._spin(1, 100_000, 1, " frames")
        self.fps = QComboBox()
        self.fps.addItems(RATES)
        self.fps.setEditable(True)
        self.steps = self._spin(1, 1000, 1, "")
        self.guidance = QDoubleSpinBox()
        self.guidance.setRange(0.0, 50.0)
        self.guidance.setSingleStep(0.5)
        self.seed = self._spin(0, MAX_SEED, 1, "")
        self.seed_lock = QToolButton()
        self.seed_lock.setText("Lock")
        self.seed_lock.setCheckable(True)
        self.seed_lock.setToolTip("Locked: every take uses this seed (variations count up "
                                  "from it). Unlocked: each take rolls a new seed.")
        self.dice = QToolButton()
        self.dice.setText("Dice")
        self.dice.setToolTip("Roll a new seed")
        self.preset = QComboBox()
        self.preset.addItems(["draft", "final"])
        self.preset.setToolTip("draft: faster, with a step cache; final: full quality")
        self.recipe = QLabel()
        self.recipe.setObjectName("take_recipe")
        self.recipe.setWordWrap(True)
        self.recipe.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.use_recipe = QPushButton("Use This Take's Settings")
        self.use_recipe.setToolTip("Copy the selected take's seed and settings into the shot")

        size = QHBoxLayout()
        size.addWidget(self.width_box)
        size.addWidget(QLabel("×"))
        size.addWidget(self.height_box)
        length = QHBoxLayout()
        length.addWidget(self.seconds)
        length.addWidget(self.frames)
        seed = QHBoxLayout()
        seed.addWidget(self.seed, 1)
        seed.addWidget(self.seed_lock)
        seed.addWidget(self.dice)
        for widget in (self.prompt, self.negative, self.model, self.width_box, self.height_box,
                       self.seconds, self.frames, self.fps, self.steps, self.guidance, self.seed,
                       self.preset):
            widget.setMinimumWidth(60)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Prompt", self.prompt)
        form.addRow("Negative", self.negative)
        form.addRow("Model", self.model)
        form.addRow("Mode", self.mode)
        form.addRow("Size", size)
        form.addRow("Length", length)
        form.addRow("Frame rate", self.fps)
        form.addRow("Steps", self.steps)
        form.addRow("Guidance", self.guidance)
        form.addRow("Seed", seed)
        form.addRow("Preset", self.preset)
        body = QWidget()
        inner = QVBoxLayout(body)
        inner.addWidget(self.title)
        inner.addLayout(form)
        inner.addWidget(QLabel("Selected take"))
        inner.addWidget(self.recipe)
        inner.addWidget(self.use_recipe)
        inner.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)

        self.prompt.editing_finished.connect(lambda: self._edit(prompt=self.prompt.toPlainText()))
        self.negative.editing_finished.connect(
            lambda: self._edit(negative_prompt=self.negative.toPlainText()))
        self.model.activated.connect(self._on_model_activated)
        self.width_box.editingFinished.connect(lambda: self._settings(width=self.width_box.value()))
        self.height_box.editingFinished.connect(
            lambda: self._settings(height=self.height_box.value()))
        self.frames.editingFinished.connect(lambda: self._settings(frames=self.frames.value()))
        self.seconds.editingFinished.connect(self._on_seconds_finished)
        self.fps.activated.connect(self._on_fps_chosen)
        self.fps.lineEdit().editingFinished.connect(self._on_fps_chosen)
        self.steps.editingFinished.connect(lambda: self._settings(steps=self.steps.value()))
        self.guidance.editingFinished.connect(
            lambda: self._settings(guidance=round(self.guidance.value(), 3)))
        self.seed.editingFinished.connect(lambda: self._settings(seed=self.seed.value()))
        self.seed_lock.toggled.connect(lambda on: self._settings(seed_locked=bool(on)))
        self.dice.clicked.connect(self.roll_seed)
        self.preset.activated.connect(lambda _i: self._settings(preset=self.preset.currentText()))
        self.use_recipe.clicked.connect(self.use_take_settings)
        project.events.shot_changed.connect(self._on_project_shot_changed)
        project.events.shot_removed.connect(self._on_project_shot_removed)
        catalog.loaded.connect(self.refresh)
        self.refresh()

    def detach(self) -> None:
        self.project.events.shot_changed.disconnect(self._on_project_shot_changed)
        self.project.events.shot_removed.disconnect(self._on_project_shot_removed)
        self.catalog.loaded.disconnect(self.refresh)

    @staticmethod
    def _spin(low: int, high: int, step: int, suffix: str) -> QSpinBox:
        box = QSpinBox()
        box.setRange(low, high)
        box.setSingleStep(step)
        box.setSuffix(suffix)
        box.setKeyboardTracking(False)
        return box

    # --- which shot -------------------------------------------------------------------------

    def set_shot(self, shot_id: str | None) -> None:
        self.shot_id = shot_id or None
        self.refresh()

    def shot(self) -> Shot | None:
        if not self.shot_id:
            return None
        try:
            return self.project.shot(self.shot_id)
        except KeyError:
            return None

    # --- drawing ----------------------------------------------------------------------------

    def refresh(self) -> None:
        shot = self.shot()
        self._refreshing = True
        try:
            for widget in self._editors():
                widget.setEnabled(shot is not None)
            if shot is None:
                self.title.setText("No shot selected")
                self.recipe.setText("")
                self.use_recipe.setEnabled(False)
                return
            s = shot.settings
            self.title.setText(shot.name)
            if self.prompt.toPlainText() != shot.prompt:
                self.prompt.setPlainText(shot.prompt)
            if self.negative.toPlainText() != shot.negative_prompt:
                self.negative.setPlainText(shot.negative_prompt)
            self._fill_models(shot)
            self.mode.setText(MODE_NAMES.get(shot.mode, shot.mode.value))
            self.width_box.setValue(s.width)
            self.height_box.setValue(s.height)
            self.frames.setValue(s.frames)
            self.seconds.setValue(float(s.frames / Fraction(s.fps)))
            self.fps.setCurrentText(str(Fraction(s.fps)))
            self.steps.setValue(s.steps)
            self.guidance.setValue(s.guidance)
            self.seed.setValue(s.seed)
            self.seed_lock.setChecked(s.seed_locked)
            self.seed_lock.setText("Locked" if s.seed_locked else "Lock")
            self.preset.setCurrentText(s.preset)
            self._show_take(shot)
        finally:
            self._refreshing = False

    def _editors(self) -> list[QWidget]:
        return [self.prompt, self.negative, self.model, self.width_box, self.height_box,
                self.seconds, self.frames, self.fps, self.steps, self.guidance, self.seed,
                self.seed_lock, self.dice, self.preset]

    def _fill_models(self, shot: Shot) -> None:
        model: QStandardItemModel = self.model.model()  # type: ignore[assignment]
        model.clear()
        choices = list(self.catalog.choices)
        if not any(c.id == shot.model for c in choices):
            item = QStandardItem(shot.model)
            item.setData(shot.model, Qt.ItemDataRole.UserRole)
            if self.catalog.ready:
                item.setToolTip(f"{shot.model} was not found among the installed models")
            model.appendRow(item)
        for choice in choices:
            item = QStandardItem(choice.label)
            item.setData(choice.id, Qt.ItemDataRole.UserRole)
            why = choice.why_not(shot.mode)
            if why:
                item.setEnabled(False)
                item.setToolTip(why)
            else:
                item.setToolTip(f"{choice.id} can do {MODE_NAMES[shot.mode]}")
            model.appendRow(item)
        for row in range(model.rowCount()):
            if model.item(row).data(Qt.ItemDataRole.UserRole) == shot.model:
                self.model.setCurrentIndex(row)
                break

    def _show_take(self, shot: Shot) -> None:
        take = shot.selected_take
        self.use_recipe.setEnabled(take is not None)
        if take is None:
            self.recipe.setText("No take yet.")
            return
        r = take.recipe
        lines = [
            f"Model: {r.model}" + (f" ({r.weights_hash[:12]})" if r.weights_hash else ""),
            f"Mode: {MODE_NAMES.get(r.mode, r.mode)}",
            f"Size: {r.width}×{r.height}, {r.frames} frames at {r.fps} fps",
            f"Steps: {r.steps}, guidance {r.guidance}, seed {r.seed}, preset {r.preset}",
        ]
        if r.pins:
            lines.append("Pinned: " + ", ".join(f"{p.count} at {p.at_frame}" for p in r.pins))
        if take.created:
            lines.append(f"Made: {take.created}")
        self.recipe.setText("\n".join(lines))

    # --- editing ----------------------------------------------------------------------------

    def _edit(self, **changes: object) -> None:
        shot = self.shot()
        if shot is None or self._refreshing:
            return
        changed = {k: v for k, v in changes.items() if getattr(shot, k) != v}
        if changed:
            self.undo.push(EditShot(shot.id, **changed))

    def _settings(self, **changes: object) -> None:
        shot = self.shot()
        if shot is None or self._refreshing:
            return
        current = asdict(shot.settings)
        changed = {k: v for k, v in changes.items() if current.get(k) != v}
        if changed:
            self.undo.push(EditShot(shot.id, settings=changed))

    def _on_model_activated(self, row: int) -> None:
        model_id = self.model.itemData(row, Qt.ItemDataRole.UserRole)
        if model_id:
            self._edit(model=model_id)

    def _on_seconds_finished(self) -> None:
        shot = self.shot()
        if shot is None:
            return
        frames = max(1, round(self.seconds.value() * Fraction(shot.settings.fps)))
        choice = self.catalog.get(shot.model)
        if choice is not None and choice.temporal > 1:
            t = choice.temporal
            frames = max(t + 1, round((frames - 1) / t) * t + 1)
        self._settings(frames=frames)

    def _on_fps_chosen(self, *_: object) -> None:
        try:
            rate = Fraction(self.fps.currentText().strip())
        except (ValueError, ZeroDivisionError):
            self.refresh()
            return
        if rate > 0:
            self._settings(fps=rate)

    def roll_seed(self) -> None:
        self._settings(seed=random.SystemRandom().randint(0, MAX_SEED))

    def use_take_settings(self) -> None:
        shot = self.shot()
        take = shot.selected_take if shot else None
        if shot is None or take is None:
            return
        r = take.recipe
        self.undo.push(EditShot(shot.id, settings={
            "width": r.width, "height": r.height, "frames": r.frames, "fps": r.fps,
            "steps": r.steps, "guidance": r.guidance, "seed": r.seed, "seed_locked": True,
            "preset": r.preset}))

    # --- events -----------------------------------------------------------------------------

    def _on_project_shot_changed(self, shot: Shot) -> None:
        if shot.id == self.shot_id:
            self.refresh()

    def _on_project_shot_removed(self, shot: Shot, _index: int) -> None:
        if shot.id == self.shot_id:
            self.set_shot(None)

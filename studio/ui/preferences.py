"""Edit ▸ Preferences: the user's settings that the window can change.

`ask_preferences(parent, settings)` shows the dialog and returns changed settings, or None
when cancelled (tests replace it; it is looked up on this module at call time).
`apply_preferences(window, settings)` saves them and makes them take effect: the prompt
policy and the device for the next job, the preset for new shots.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from studio.core.settings import CHOICES, Settings, save_settings

if TYPE_CHECKING:
    from studio.ui.main_window import MainWindow

log = logging.getLogger(__name__)

POLICY_PLUGIN = "prompt_policy"
DEVICE_NAMES = {"auto": "Automatic (the best one found)", "cuda": "NVIDIA GPU (CUDA)",
                "mps": "Apple GPU (Metal)", "cpu": "CPU only"}
PRESET_NAMES = {"draft": "Draft: faster, with a step cache", "final": "Final: full quality"}


class PreferencesDialog(QDialog):
    def __init__(self, parent: QWidget | None, settings: Settings) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setObjectName("preferences")
        self._settings = settings
        self.policy = QCheckBox("Refuse prompts the prompt policy does not allow")
        self.policy.setChecked(POLICY_PLUGIN not in settings.disabled_plugins)
        self.policy.setToolTip("Graphic violence, sexual content, hate and the likeness of "
                               "real public figures; the rules are in prompt_policy.toml in "
                               "your config folder. Applies to the next job.")
        self.preset = self._combo(CHOICES["preset"], PRESET_NAMES, settings.preset)
        self.device = self._combo(CHOICES["device"], DEVICE_NAMES, settings.device)
        form = QFormLayout()
        form.addRow("Prompt policy", self.policy)
        form.addRow("Preset for new shots", self.preset)
        form.addRow("Generate on", self.device)
        note = QLabel("Changes apply to the next job; shots made before keep their preset.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    @staticmethod
    def _combo(values: tuple[str, ...], names: dict[str, str], current: str) -> QComboBox:
        combo = QComboBox()
        for value in values:
            combo.addItem(names.get(value, value), value)
        combo.setCurrentIndex(max(0, combo.findData(current)))
        return combo

    def chosen(self) -> Settings:
        """The settings as the dialog now shows them (the ones given are left alone)."""
        disabled = [n for n in self._settings.disabled_plugins if n != POLICY_PLUGIN]
        if not self.policy.isChecked():
            disabled.append(POLICY_PLUGIN)
        return replace(self._settings, disabled_plugins=disabled,
                       preset=str(self.preset.currentData()),
                       device=str(self.device.currentData()))


def ask_preferences(parent: QWidget | None, settings: Settings) -> Settings | None:
    dialog = PreferencesDialog(parent, settings)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.chosen()


def apply_preferences(window: MainWindow, settings: Settings) -> None:
    """Save the settings (StudioError / BadInput with one sentence) and put them to use."""
    save_settings(settings)
    window.plugins.apply_disabled(set(settings.disabled_plugins))
    state = "off" if POLICY_PLUGIN in settings.disabled_plugins else "on"
    log.info("preferences saved: prompt policy %s, preset %s, device %s", state,
             settings.preset, settings.device)

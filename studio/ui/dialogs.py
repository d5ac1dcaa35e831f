"""Small dialogs: what to generate for an extend or a gap, the About box, and Diagnostics.

Each `ask_*` function returns the answer or None when cancelled; tests replace them (they
are looked up on this module at call time) so nothing waits for a click.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from fractions import Fraction

from PySide6.QtCore import QProcess
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from studio import __version__

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GenerateOptions:
    prompt: str
    frames: int


class _OptionsDialog(QDialog):
    def __init__(self, parent: QWidget | None, title: str, note: str, prompt: str,
                 frames: int | None, rate: Fraction) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.rate = rate
        self.prompt = QPlainTextEdit(prompt)
        self.prompt.setPlaceholderText("What happens in the new frames")
        self.prompt.setMinimumHeight(70)
        form = QFormLayout()
        form.addRow("Prompt", self.prompt)
        self.seconds: QDoubleSpinBox | None = None
        if frames is not None:
            self.seconds = QDoubleSpinBox()
            self.seconds.setRange(0.1, 600.0)
            self.seconds.setDecimals(2)
            self.seconds.setSuffix(" s")
            self.seconds.setValue(float(frames / rate))
            form.addRow("Length", self.seconds)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Generate")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(note))
        layout.addLayout(form)
        layout.addWidget(buttons)

    def frames(self, default: int) -> int:
        if self.seconds is None:
            return default
        return max(1, round(self.seconds.value() * self.rate))


def ask_extend(parent: QWidget | None, direction: str, prompt: str, frames: int,
               rate: Fraction) -> GenerateOptions | None:
    where = "after" if direction == "forward" else "before"
    dialog = _OptionsDialog(
        parent, "Extend Forward" if direction == "forward" else "Extend Backward",
        f"New frames are generated {where} the clip, continuing its motion.",
        prompt, frames, rate)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return GenerateOptions(dialog.prompt.toPlainText().strip(), dialog.frames(frames))


def ask_fill(parent: QWidget | None, prompt: str, gap_frames: int,
             rate: Fraction) -> GenerateOptions | None:
    dialog = _OptionsDialog(
        parent, "Fill Gap",
        f"The {gap_frames} frames between the two clips are generated to join them.",
        prompt, None, rate)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return GenerateOptions(dialog.prompt.toPlainText().strip(), gap_frames)


def show_about(parent: QWidget | None) -> None:
    QMessageBox.about(
        parent, "About Studio",
        f"<b>Studio {__version__}</b><p>A timeline editor for video made with local AI "
        "models: storyboard shots, generate, extend and fill gaps, and hand the cut to "
        "your editing suite.</p>")


class DiagnosticsDialog(QDialog):
    """Runs `studio doctor` in a child process (it imports torch; the window must not)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Diagnostics")
        self.resize(720, 520)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setFont(QFont("monospace"))
        self.text.setPlainText("Running studio doctor…")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.ProcessChannelMode.MergedChannels)
        self.process.finished.connect(self._on_process_finished)
        self.process.errorOccurred.connect(self._on_process_error)
        self.process.start(sys.executable, ["-m", "studio", "doctor"])

    def _on_process_finished(self, code: int, _status: object) -> None:
        output = bytes(self.process.readAll().data()).decode("utf-8", "replace")
        footer = "" if code == 0 else f"\n(studio doctor exited with code {code})"
        self.text.setPlainText(output + footer)

    def _on_process_error(self, _error: object) -> None:
        self.text.setPlainText(f"studio doctor could not run: {self.process.errorString()}")

    def done(self, result: int) -> None:
        if self.process.state() != QProcess.ProcessState.NotRunning:
            self.process.kill()
            self.process.waitForFinished(2000)
        super().done(result)


def ask_save(parent: QWidget | None, name: str) -> QMessageBox.StandardButton:
    """Save / Discard / Cancel for a project with unsaved changes."""
    buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
               | QMessageBox.StandardButton.Cancel)
    return QMessageBox.question(parent, "Unsaved Changes",
                                f"Save the changes to {name} before closing it?", buttons,
                                QMessageBox.StandardButton.Save)


def ask_recover(parent: QWidget | None, message: str) -> bool:
    """Whether to open the autosave, which holds edits the saved project lacks."""
    answer = QMessageBox.question(
        parent, "Recover Autosave", f"{message}\n\nOpen the autosaved version?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes)
    return answer == QMessageBox.StandardButton.Yes


def show_refused(parent: QWidget | None, shot_name: str, rule: str, message: str) -> None:
    """A prompt filter refused a shot's prompt (or several shots', named together)."""
    QMessageBox.warning(
        parent, "Prompt Refused",
        f"Nothing was queued for {shot_name}: the prompt policy refused it (rule: {rule}).\n\n"
        f"{message}\n\nChange the prompt in the inspector, or switch the prompt policy off "
        "in Edit ▸ Preferences.")

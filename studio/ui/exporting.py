"""File > Export: every format `studio.interchange` offers, run on the pool on a snapshot.

The interchange modules (OpenTimelineIO, its adapters, PyAV encoders) are imported on a pool
thread when the window opens, so the menu fills in without stalling it. An export works on
a copy of the project taken when it starts, so editing on meanwhile cannot tear it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QMenu, QWidget

from studio.core.model import Project
from studio.core.serialize import project_from_dict, project_to_dict
from studio.ui.background import Background

log = logging.getLogger(__name__)

LIST_DELAY_MS = 500


@dataclass(frozen=True)
class ExportFormat:
    kind: str  # "timeline" or "render"
    key: str
    title: str
    suffix: str  # "" for a folder (PNG sequence)
    note: str = ""  # which suites read it


def list_formats() -> list[ExportFormat]:
    """What exists in `studio.interchange` right now; runs on a pool thread."""
    from studio.interchange.encoders import PROFILES
    from studio.interchange.formats import timeline_formats

    found = [ExportFormat("timeline", f.key, f.title, f.suffix, f.suites)
             for f in timeline_formats().values()]
    found += [ExportFormat("render", p.key, p.title, p.suffix) for p in PROFILES.values()]
    return found


def run_export(fmt: ExportFormat, project: Project, bundle: Path, out: Path) -> list[Path]:
    """One export, on a pool thread."""
    from studio.interchange.export import export_render, export_timeline

    if fmt.kind == "timeline":
        return export_timeline(project, bundle, fmt.key, out)
    return export_render(project, bundle, out, fmt.key)


def snapshot(project: Project) -> Project:
    return project_from_dict(project_to_dict(project))


class ExportMenu(QObject):
    """Fills File > Export and runs the chosen export."""

    finished = Signal(str)  # a line for the status bar
    failed = Signal(str)

    def __init__(self, menu: QMenu, background: Background, window: QWidget,
                 current: Callable[[], tuple[Project, Path]]) -> None:
        super().__init__(window)
        self.menu, self.background, self.window, self._current = menu, background, window, current
        self.formats: list[ExportFormat] = []
        self.busy = False
        placeholder = menu.addAction("Looking for export formats…")
        placeholder.setEnabled(False)
        # OpenTimelineIO, its adapters and PyAV take a while to import: do it on the pool,
        # once the window is up.
        QTimer.singleShot(LIST_DELAY_MS, lambda: background.run(
            list_formats, done=self._on_listed, failed=self._on_list_failed))

    def _on_listed(self, formats: list[ExportFormat]) -> None:
        self.formats = formats
        self.menu.clear()
        kinds = {"timeline": "Timeline", "render": "Render the Cut"}
        for kind, heading in kinds.items():
            section = self.menu.addSection(heading)
            section.setEnabled(False)
            for fmt in formats:
                if fmt.kind != kind:
                    continue
                label = f"{fmt.title} ({fmt.suffix or 'folder'})…"
                action = self.menu.addAction(label)
                action.setObjectName(f"export_{fmt.kind}_{fmt.key}")
                if fmt.note:
                    action.setToolTip(f"For {fmt.note}")
                action.triggered.connect(lambda _=False, f=fmt: self.choose_and_export(f))

    def _on_list_failed(self, error: BaseException) -> None:
        self.menu.clear()
        action = self.menu.addAction("Export is not available (see the log)")
        action.setEnabled(False)
        log.warning("export formats could not be listed: %s", error)

    def choose_and_export(self, fmt: ExportFormat) -> None:
        project, bundle = self._current()
        default = str(bundle.parent / f"{project.name}{fmt.suffix}")
        if fmt.suffix:
            path, _ = QFileDialog.getSaveFileName(self.window, f"Export {fmt.title}", default,
                                                  f"{fmt.title} (*{fmt.suffix})")
        else:
            path = QFileDialog.getExistingDirectory(self.window, f"Export {fmt.title} into",
                                                    str(bundle.parent))
            if path:
                path = str(Path(path) / project.name)
        if path:
            self.export(fmt, Path(path))

    def export(self, fmt: ExportFormat, out: Path) -> None:
        project, bundle = self._current()
        self.busy = True
        self.background.run(run_export, fmt, snapshot(project), bundle, out,
                            done=self._on_exported, failed=self._on_export_failed)

    def _on_exported(self, files: list[Path]) -> None:
        self.busy = False
        shown = files[0] if files else "nothing"
        more = f" and {len(files) - 1} more file(s)" if len(files) > 1 else ""
        self.finished.emit(f"Exported {shown}{more}")

    def _on_export_failed(self, error: BaseException) -> None:
        self.busy = False
        log.warning("export failed: %s", error)
        self.failed.emit(f"Export failed: {error}")

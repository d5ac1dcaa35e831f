"""The studio window: docks around the cut, menus, title, and the life of one project.

The window holds what outlives a project (the render worker, the I/O pool, the model list)
and, for the open project, a `ProjectSession` and the panels built on it (`panels.py`).
Opening or starting another project swaps the session and rebuilds the panels in the same
docks. Closing asks about unsaved changes, then stops the engine host before returning.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QMessageBox, QWidget

from studio.core import bundle
from studio.core.errors import BadInput, StudioError
from studio.ui import dialogs
from studio.ui.background import Background
from studio.ui.models import ModelCatalog
from studio.ui.panels import Panels
from studio.ui.plugin_host import PluginHost
from studio.ui.render_worker import RenderWorker
from studio.ui.session import ProjectSession
from studio.ui.thumbnails import ThumbnailLoader
from studio.ui.window_actions import WindowActions

log = logging.getLogger(__name__)

DOCKS = ("storyboard", "media", "viewer", "timeline", "queue", "inspector", "takes")
TITLES = {"storyboard": "Storyboard", "media": "Media", "viewer": "Viewer",
          "timeline": "Timeline", "queue": "Queue", "inspector": "Inspector", "takes": "Takes"}
LAYOUT_VERSION = 3
MAX_RECENT = 10
STARTUP_DELAY_MS = 300  # background look-ups start this long after the window opens


class MainWindow(QMainWindow):
    """The studio. `session` is the project to show (a new untitled one if None)."""

    def __init__(self, worker: RenderWorker, session: ProjectSession | None = None,
                 settings: QSettings | None = None) -> None:
        super().__init__()
        self.setObjectName("studio_main_window")
        self.worker = worker
        self.settings = settings or QSettings("Studio", "Studio")
        self.background = Background(workers=2, parent=self)
        self.thumbnails = ThumbnailLoader(self.background, parent=self)
        self.catalog = ModelCatalog(self.background, parent=self)
        self.docks: dict[str, QDockWidget] = {}
        self.plugins = PluginHost(self)
        self.resize(1440, 900)
        self._build_docks()
        self.session: ProjectSession | None = None
        self.panels: Panels | None = None
        self.actions_ = WindowActions(self)
        self.statusBar().showMessage("Ready", 3000)
        self._default_state = self.saveState(LAYOUT_VERSION)
        self._restore_layout()
        self.set_session(session or ProjectSession.new())
        worker.engine_failed.connect(self.show_error)
        # After the window is up: listing models imports and reads on a pool thread, which
        # would compete with the first paint.
        QTimer.singleShot(STARTUP_DELAY_MS, self.catalog.refresh)
        QTimer.singleShot(STARTUP_DELAY_MS, self.plugins.start)  # filters and dock panels
        self._closed = False

    # --- layout -----------------------------------------------------------------------------

    def _build_docks(self) -> None:
        self.setDockNestingEnabled(True)
        self.setCorner(Qt.Corner.TopLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        # The bottom row (timeline, queue) spans the whole width, as editors lay out a cut.
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setCorner(Qt.Corner.TopRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        for name in DOCKS:
            dock = QDockWidget(TITLES[name], self)
            dock.setObjectName(name)
            dock.setWidget(QWidget())
            self.docks[name] = dock
        area = Qt.DockWidgetArea
        # Side by side rather than tabbed: every panel stays in sight, and Qt leaves stray
        # tab bars drawn when tabified docks are laid out before the window is shown.
        self.addDockWidget(area.LeftDockWidgetArea, self.docks["storyboard"])
        self.splitDockWidget(self.docks["storyboard"], self.docks["media"], Qt.Orientation.Vertical)
        self.addDockWidget(area.TopDockWidgetArea, self.docks["viewer"])
        self.addDockWidget(area.BottomDockWidgetArea, self.docks["timeline"])
        self.addDockWidget(area.RightDockWidgetArea, self.docks["inspector"])
        self.splitDockWidget(self.docks["inspector"], self.docks["takes"], Qt.Orientation.Vertical)
        self.addDockWidget(area.BottomDockWidgetArea, self.docks["queue"])
        self.splitDockWidget(self.docks["timeline"], self.docks["queue"], Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["storyboard"], self.docks["inspector"]], [330, 340],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["timeline"], self.docks["queue"]], [1000, 420],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([self.docks["viewer"], self.docks["timeline"]], [520, 300],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["storyboard"], self.docks["media"]], [360, 160],
                         Qt.Orientation.Vertical)
        self.resizeDocks([self.docks["inspector"], self.docks["takes"]], [360, 160],
                         Qt.Orientation.Vertical)

    def restore_default_layout(self) -> None:
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._default_state, LAYOUT_VERSION)

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state, LAYOUT_VERSION)

    def _save_layout(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState(LAYOUT_VERSION))
        self.settings.sync()

    # --- the project ------------------------------------------------------------------------

    def set_session(self, session: ProjectSession) -> None:
        """Show another project: the old panels go, new ones are built in the same docks."""
        old_session, old_panels = self.session, self.panels
        if old_panels is not None:
            old_panels.controller.stop()
            old_panels.detach()
        if old_session is not None:
            old_session.close(keep_autosave=True)
        self.session = session
        self.panels = Panels(self, session)
        for name, widget in self.panels.widgets().items():
            old = self.docks[name].widget()
            self.docks[name].setWidget(widget)
            if old is not None:
                old.deleteLater()
        self.actions_.bind(self.panels)
        self.plugins.rebuild()
        self.panels.undo.changed.connect(self.update_title)
        self.update_title()
        if not session.untitled:
            self._remember(session.path)
        self.panels.controller.dispatch()  # a queue saved with the project goes on

    def update_title(self) -> None:
        session = self.session
        if session is None:
            return
        mark = "*" if session.modified else ""
        where = "" if session.untitled else f" — {session.path.parent}"
        self.setWindowTitle(f"{session.name}{mark}{where} — Studio")

    def show_error(self, message: str) -> None:
        self.statusBar().showMessage(message, 10000)
        log.info("shown to the user: %s", message)

    def show_message(self, message: str) -> None:
        self.statusBar().showMessage(message, 6000)

    # --- file actions -----------------------------------------------------------------------

    def new_project(self) -> None:
        if self.maybe_save():
            self.set_session(ProjectSession.new())

    def choose_and_open(self) -> None:
        if not self.maybe_save():
            return
        start = str(self.session.path.parent) if self.session else ""
        path = QFileDialog.getExistingDirectory(self, "Open Project (a .studio folder)", start)
        if path:
            self.open_path(path, asked=True)

    def open_path(self, path: str | Path, asked: bool = False) -> bool:
        """Open a project; a damaged one is refused with a dialog and the current stays."""
        if not asked and not self.maybe_save():
            return False
        try:
            use_autosave = False
            status = bundle.autosave_status(path)
            if status.newer:
                use_autosave = dialogs.ask_recover(self, status.message)
            session = ProjectSession.open(path, use_autosave=use_autosave)
            session.recovered = use_autosave
        except (BadInput, StudioError, OSError) as exc:
            QMessageBox.critical(self, "Cannot Open Project", str(exc))
            return False
        self.set_session(session)
        self.show_message(f"Opened {session.path}")
        return True

    def save(self) -> bool:
        if self.session is None:
            return False
        if self.session.untitled:
            return self.save_as()
        try:
            self.session.save()
        except StudioError as exc:
            QMessageBox.critical(self, "Cannot Save", str(exc))
            return False
        self.update_title()
        self.show_message(f"Saved {self.session.path}")
        return True

    def save_as(self, target: str | Path | None = None) -> bool:
        if self.session is None:
            return False
        if target is None:
            start = str(Path.home() / f"{self.session.name}{bundle.SUFFIX}")
            target, _ = QFileDialog.getSaveFileName(self, "Save Project As", start,
                                                    f"Studio project (*{bundle.SUFFIX})")
            if not target:
                return False
        was_untitled = self.session.untitled
        try:
            path = self.session.save_as(target)
        except (StudioError, OSError) as exc:
            QMessageBox.critical(self, "Cannot Save", str(exc))
            return False
        if was_untitled and self.panels is not None:
            self.panels.rebased()
        self._remember(path)
        self.update_title()
        self.show_message(f"Saved {path}")
        return True

    def maybe_save(self) -> bool:
        """Ask about unsaved changes; False when the user cancels."""
        if self.session is None or not self.session.modified:
            return True
        answer = dialogs.ask_save(self, self.session.name)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        if answer == QMessageBox.StandardButton.Discard:
            self.session.discard = True  # closing drops the autosave too
            return True
        return False

    def recent_projects(self) -> list[str]:
        value = self.settings.value("recent", [])
        items = [value] if isinstance(value, str) else list(value or [])
        return [p for p in items if Path(p).exists()]

    def _remember(self, path: Path) -> None:
        items = [str(path)] + [p for p in self.recent_projects() if p != str(path)]
        self.settings.setValue("recent", items[:MAX_RECENT])

    # --- closing ----------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._closed:
            event.accept()
            return
        if not self.maybe_save():
            event.ignore()
            return
        self.shutdown()
        event.accept()

    def shutdown(self) -> None:
        """Stop everything this window started: jobs, the engine host, the pool, autosave."""
        if self._closed:
            return
        self._closed = True
        self._save_layout()
        if self.panels is not None:
            self.panels.controller.stop()  # the queue stays; it goes on at the next open
        self.worker.shutdown()
        self.background.shutdown()
        if self.panels is not None:
            self.panels.shutdown()
        if self.session is not None:
            self.session.close(keep_autosave=not self.session.discard)
        log.info("window closed")


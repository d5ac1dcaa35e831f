"""The one place that wires the studio's pieces together for the GUI.

`run_gui(path)` makes the QApplication, the render worker (whose engine client starts the
engine host process on the worker's own thread, so the window never waits for it and never
imports torch), and the main window on a new or opened project; then runs the event loop.
`build_window` does the same without the loop, for tests and the benchmark.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)


def make_engine_client():  # -> studio.engine.client.EngineClient
    """The real engine client; called on the render worker's thread."""
    from studio.engine.client import EngineClient

    return EngineClient()


def build_window(project_path: str | None = None, client_factory: Callable | None = None,
                 settings=None):  # -> MainWindow
    """The main window on `project_path` (or a new project), with its worker started."""
    from studio.ui.job_specs import build_request
    from studio.ui.main_window import MainWindow
    from studio.ui.render_worker import RenderWorker

    worker = RenderWorker(client_factory or make_engine_client, build_request)
    worker.start()
    window = MainWindow(worker, settings=settings)
    if project_path:
        window.open_path(project_path, asked=True)  # a damaged project says why in a dialog
    return window


def run_gui(project_path: str | None) -> int:
    """`studio` / `studio PATH.studio`: open the window and run until it closes."""
    from PySide6.QtWidgets import QApplication

    from studio.core.logs import setup_logging

    setup_logging()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Studio")
    app.setOrganizationName("Studio")
    if project_path and not Path(project_path).exists():
        print(f"error: {project_path} does not exist; give a .studio project folder",
              file=sys.stderr)
        return 2
    window = build_window(project_path)
    window.show()
    log.info("studio window open")
    # Ctrl+C in the terminal closes the window the normal way (asking about unsaved work and
    # stopping the engine host); the idle timer gives Python a moment to see the signal.
    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_: window.close())
    heartbeat = QTimer()
    heartbeat.timeout.connect(lambda: None)
    heartbeat.start(250)
    code = app.exec()
    heartbeat.stop()
    window.shutdown()
    return int(code)

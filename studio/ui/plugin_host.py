"""The window's plugins: one registry per window, and the dock panels plugins contribute.

The registry is discovered once, on the I/O pool shortly after the window is shown (reading
manifests and importing the prompt filters and panels must not hold up the first paint).
Anything that needs it sooner (a Generate clicked at once) discovers it right there. A
change of the disabled plugins in Preferences is applied to the same registry, so the next
job sees it and the Plugins dialog keeps what was learned (a failed import stays failed).

A `panels` contribution is a QWidget subclass taking `(project, parent)`, or any callable
taking the same and returning a QWidget; each becomes a dock named after its plugin. A
panel that fails to build marks its plugin failed and is skipped: it never stops the window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDockWidget, QWidget

from studio.core.plugins import Contribution, PluginRegistry
from studio.core.settings import load_settings

if TYPE_CHECKING:
    from studio.core.model import Project
    from studio.ui.main_window import MainWindow

log = logging.getLogger(__name__)


def discover() -> PluginRegistry:
    """A registry honouring the user's disabled plugins, with filters and panels imported.

    Runs on a pool thread; only imports here, never a widget."""
    registry = PluginRegistry.discover(disabled=set(load_settings().disabled_plugins))
    registry.instances("prompt_filters")
    for contribution in registry.contributions("panels"):
        registry.load(contribution)
    return registry


class PluginHost(QObject):
    """Holds the window's registry and the docks of plugin panels."""

    docks_changed = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._registry: PluginRegistry | None = None
        self.docks: dict[str, QDockWidget] = {}
        self._factories: dict[str, tuple[Contribution, Callable[..., Any]]] = {}
        self._started = False

    def start(self) -> None:
        """Discover on the pool; the docks are added when it is done."""
        self.window.background.run(discover, done=self._on_discovered,
                                   failed=self._on_discovery_failed)

    def registry(self) -> PluginRegistry:
        """The registry, discovered now if the background look-up has not finished yet."""
        if self._registry is None:
            self._registry = discover()
            self._add_panels()
        return self._registry

    def apply_disabled(self, disabled: set[str]) -> None:
        """Preferences changed which plugins are off: the next use honours it.

        A plugin switched on again is imported when next used; docks of panels follow
        at the next start (a built panel may hold state the user would lose)."""
        for plugin in self.registry().plugins:
            if plugin.name in disabled and plugin.status in ("found", "loaded"):
                plugin.status = "disabled"
            elif plugin.name not in disabled and plugin.status == "disabled":
                plugin.status = "found"

    # --- docks ------------------------------------------------------------------------------

    def _on_discovered(self, registry: PluginRegistry) -> None:
        if self._registry is None:
            self._registry = registry
        self._add_panels()

    def _on_discovery_failed(self, error: BaseException) -> None:
        # discover() reports each plugin's own failure; this is the registry itself failing.
        log.warning("plugins could not be discovered: %s", error)
        self._registry = PluginRegistry([])

    def _add_panels(self) -> None:
        if self._started or self._registry is None:
            return
        self._started = True
        for contribution in self._registry.contributions("panels"):
            factory = self._registry.load(contribution)
            if factory is None:
                continue
            name = contribution.plugin.name
            if name in self.docks or name in self.window.docks:
                contribution.plugin.fail(f"a panel named {name!r} is already in the window")
                continue
            self._factories[name] = (contribution, factory)
            dock = QDockWidget(name.replace("_", " ").title(), self.window)
            dock.setObjectName(name)
            dock.setToolTip(contribution.plugin.description)
            self.docks[name] = dock
            if self._build(name, dock):
                # Where the user left it last time (the layout was restored before the
                # plugins were found), else beside the inspector.
                if not self.window.restoreDockWidget(dock):
                    self.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
                log.info("added the panel of plugin %s", name)
            else:
                del self.docks[name]
                dock.deleteLater()
        if self.docks:
            self.docks_changed.emit()

    def rebuild(self) -> None:
        """Another project is open: every plugin panel is made again on it."""
        for name, dock in list(self.docks.items()):
            if not self._build(name, dock):
                self.window.removeDockWidget(dock)
                del self.docks[name]
                dock.deleteLater()

    def _build(self, name: str, dock: QDockWidget) -> bool:
        contribution, factory = self._factories[name]
        session = self.window.session
        if session is None:
            return False
        project: Project = session.project
        try:
            widget = factory(project, dock)
            if not isinstance(widget, QWidget):
                raise TypeError(f"it made a {type(widget).__name__}, not a QWidget")
        except Exception as exc:  # noqa: BLE001 (a plugin's own bug must not stop the window)
            contribution.plugin.fail(f"{contribution.ref} could not build its panel: "
                                     f"{type(exc).__name__}: {exc}")
            return False
        old = dock.widget()
        dock.setWidget(widget)
        if old is not None:
            old.deleteLater()
        return True

"""The window's menus and their shortcuts: File, Edit, Generate, View, Help.

Actions act on whatever project is open when they fire (`window.panels`), so they are built
once; only Undo / Redo follow the current undo stack, through `bind`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QInputDialog, QMenu

from studio.core.errors import BadInput, StudioError
from studio.core.settings import load_settings
from studio.ui import dialogs, preferences
from studio.ui.exporting import ExportMenu
from studio.ui.plugins_dialog import PluginsDialog

if TYPE_CHECKING:
    from studio.ui.main_window import MainWindow
    from studio.ui.panels import Panels

log = logging.getLogger(__name__)

Key = QKeySequence.StandardKey


class WindowActions:
    """Builds the menu bar of `window`."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.actions: dict[str, QAction] = {}
        self.plugins_dialog: PluginsDialog | None = None
        bar = window.menuBar()

        file = bar.addMenu("&File")
        self._add(file, "new", "&New Project", window.new_project, Key.New)
        self._add(file, "open", "&Open Project…", window.choose_and_open, Key.Open)
        self.recent = file.addMenu("Open &Recent")
        self.recent.aboutToShow.connect(self._fill_recent)
        file.addSeparator()
        self._add(file, "save", "&Save", window.save, Key.Save)
        self._add(file, "save_as", "Save &As…", lambda: window.save_as(), Key.SaveAs)
        file.addSeparator()
        self._add(file, "import", "&Import Media…", self._import, "Ctrl+I")
        self.export_menu = file.addMenu("&Export")
        self.exporter = ExportMenu(self.export_menu, window.background, window, self._current)
        self.exporter.finished.connect(window.show_message)
        self.exporter.failed.connect(window.show_error)
        file.addSeparator()
        self._add(file, "quit", "&Quit", window.close, Key.Quit)

        edit = bar.addMenu("&Edit")
        self.undo_action = self._add(edit, "undo", "&Undo", self._undo, Key.Undo)
        self.redo_action = self._add(edit, "redo", "&Redo", self._redo, Key.Redo)
        edit.addSeparator()
        self._add(edit, "delete", "&Delete", self._delete, Key.Delete)
        self._add(edit, "select_all", "Select &All", self._select_all, Key.SelectAll)
        edit.addSeparator()
        # Not every platform has a standard key for it (Linux desktops mostly do not).
        prefs_key = Key.Preferences if not QKeySequence(Key.Preferences).isEmpty() else "Ctrl+,"
        self._add(edit, "preferences", "&Preferences…", self._preferences, prefs_key)

        generate = bar.addMenu("&Generate")
        self._add(generate, "generate", "&Generate Selected Shot", self._generate, "Ctrl+G")
        self._add(generate, "variations", "Generate &Variations…", self._variations,
                  "Ctrl+Shift+G")
        self._add(generate, "generate_missing", "Generate All Shots &Without a Take",
                  self._generate_missing)
        generate.addSeparator()
        self._add(generate, "extend_forward", "Extend Selected Clip &Forward…",
                  lambda: self._timeline_edit(lambda e: e.extend_selected("forward")))
        self._add(generate, "extend_backward", "Extend Selected Clip &Backward…",
                  lambda: self._timeline_edit(lambda e: e.extend_selected("backward")))
        self._add(generate, "fill_gap", "F&ill Selected Gap…",
                  lambda: self._timeline_edit(lambda e: e.fill_selected_gap()))
        generate.addSeparator()
        self._add(generate, "cancel_all", "&Cancel All Jobs",
                  lambda: self._panels() and self._panels().controller.cancel_all())

        self.view_menu = view = bar.addMenu("&View")
        self._add(view, "default_layout", "Restore &Default Layout",
                  window.restore_default_layout)
        view.addSeparator()
        for dock in window.docks.values():
            view.addAction(dock.toggleViewAction())

        help_menu = bar.addMenu("&Help")
        self._add(help_menu, "about", "&About Studio", lambda: dialogs.show_about(window))
        self._add(help_menu, "diagnostics", "&Diagnostics…", self._diagnostics)
        self._add(help_menu, "plugins", "&Plugins…", self._plugins)
        window.plugins.docks_changed.connect(self._add_plugin_docks)

    def _add(self, menu: QMenu, name: str, text: str, slot: Callable[[], object],
             shortcut: QKeySequence.StandardKey | str | None = None) -> QAction:
        action = QAction(text, self.window)
        action.setObjectName(f"action_{name}")
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(lambda _checked=False: self._guarded(slot))
        menu.addAction(action)
        self.actions[name] = action
        return action

    def _guarded(self, slot: Callable[[], object]) -> None:
        try:
            slot()
        except BadInput as exc:
            self.window.show_error(str(exc))

    def bind(self, panels: Panels) -> None:
        panels.undo.changed.connect(self._sync_undo)
        self._sync_undo()

    # --- helpers ----------------------------------------------------------------------------

    def _panels(self) -> Panels | None:
        return self.window.panels

    def _current(self):  # -> (Project, Path)
        session = self.window.session
        assert session is not None
        return session.project, session.path

    def _sync_undo(self) -> None:
        panels = self._panels()
        if panels is None:
            return
        self.undo_action.setEnabled(panels.undo.undo_action.isEnabled())
        self.undo_action.setText(panels.undo.undo_action.text())
        self.redo_action.setEnabled(panels.undo.redo_action.isEnabled())
        self.redo_action.setText(panels.undo.redo_action.text())

    def _fill_recent(self) -> None:
        self.recent.clear()
        paths = self.window.recent_projects()
        if not paths:
            self.recent.addAction("No recent projects").setEnabled(False)
        for path in paths:
            action = self.recent.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _=False, p=path: self.window.open_path(p))

    # --- actions ----------------------------------------------------------------------------

    def _undo(self) -> None:
        panels = self._panels()
        if panels is not None:
            panels.undo.undo()

    def _redo(self) -> None:
        panels = self._panels()
        if panels is not None:
            panels.undo.redo()

    def _import(self) -> None:
        panels = self._panels()
        if panels is not None:
            self.window.docks["media"].raise_()
            panels.media.choose_files()

    def _timeline_has_focus(self, panels: Panels) -> bool:
        focus = QApplication.focusWidget()
        return focus is not None and (focus is panels.timeline or panels.timeline.isAncestorOf(focus))

    def _delete(self) -> None:
        panels = self._panels()
        if panels is None:
            return
        if panels.timeline.selected_ids() and (self._timeline_has_focus(panels)
                                               or panels.storyboard.selected_shot_id() is None):
            panels.timeline.editing.delete_selected(ripple=False)
        elif panels.storyboard.selected_shot_id():
            panels.storyboard.delete_selected()

    def _select_all(self) -> None:
        panels = self._panels()
        if panels is None:
            return
        if self._timeline_has_focus(panels) or not panels.storyboard.list.hasFocus():
            panels.timeline.select([c.item_id for c in panels.timeline.clip_items()])
        else:
            panels.storyboard.list.selectAll()

    def _generate(self) -> None:
        panels = self._panels()
        if panels is not None:
            panels.storyboard.generate_selected()

    def _variations(self) -> None:
        panels = self._panels()
        if panels is None:
            return
        shot_id = panels.storyboard.selected_shot_id()
        if not shot_id:
            raise BadInput("select a shot to make variations of")
        count, ok = QInputDialog.getInt(self.window, "Generate Variations",
                                        "How many takes?", 4, 1, 16)
        if ok:
            panels.controller.generate_shot(shot_id, count)

    def _generate_missing(self) -> None:
        panels = self._panels()
        if panels is not None:
            panels.storyboard.generate_missing()

    def _timeline_edit(self, edit: Callable[[object], object]) -> None:
        panels = self._panels()
        if panels is not None:
            edit(panels.timeline.editing)

    def _diagnostics(self) -> None:
        dialog = dialogs.DiagnosticsDialog(self.window)
        dialog.setModal(False)
        dialog.show()

    def _preferences(self) -> None:
        chosen = preferences.ask_preferences(self.window, load_settings())
        if chosen is not None:
            try:
                preferences.apply_preferences(self.window, chosen)
            except StudioError as exc:  # BadInput too: a sentence for the status bar
                self.window.show_error(str(exc))
            else:
                self.window.show_message("Preferences saved")

    def _plugins(self) -> None:
        dialog = PluginsDialog(self.window.plugins.registry(), self.window)
        dialog.setModal(False)
        dialog.show()
        self.plugins_dialog = dialog

    def _add_plugin_docks(self) -> None:
        for dock in self.window.plugins.docks.values():
            action = dock.toggleViewAction()
            if action not in self.view_menu.actions():
                self.view_menu.addAction(action)

"""Help ▸ Plugins: every plugin the window found, as `studio plugins` lists them.

The facts come from the window's own registry, so nothing is imported to show them: a
model backend or export format is imported by the engine or the exporter when first used
(the window never imports torch), and shows as "found" until then. A failed plugin shows
why, in its row and in the details below the table.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.plugins import Plugin, PluginRegistry

log = logging.getLogger(__name__)

COLUMNS = ("Name", "Version", "Source", "Status", "Contributes", "Reason")
STATUS_TEXT = {"found": "found (loaded when used)", "loaded": "loaded",
               "failed": "failed", "disabled": "disabled"}


def contributes_text(plugin: Plugin) -> str:
    return "; ".join(f"{kind}: {', '.join(refs)}" for kind, refs in plugin.contributions.items())


class PluginsDialog(QDialog):
    def __init__(self, registry: PluginRegistry, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Plugins")
        self.setObjectName("plugins_dialog")
        self.resize(860, 380)
        self.registry = registry
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.details = QPlainTextEdit()
        self.details.setReadOnly(True)
        self.details.setMaximumHeight(110)
        self.table.currentCellChanged.connect(lambda row, *_: self._show_details(row))
        note = QLabel("Plugins can be switched off in Edit ▸ Preferences (the prompt policy) "
                      "or in settings.json (disabled_plugins). A plugin that failed is "
                      "skipped; the rest of the studio works without it.")
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.details)
        layout.addWidget(note)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        plugins = self.registry.plugins
        self.table.setRowCount(len(plugins))
        for row, plugin in enumerate(plugins):
            values = (plugin.name, plugin.version, plugin.source,
                      STATUS_TEXT.get(plugin.status, plugin.status), contributes_text(plugin),
                      plugin.error)
            for column, value in enumerate(values):
                item = QTableWidgetItem(value)
                item.setToolTip(plugin.error or plugin.description or plugin.location)
                if plugin.status == "failed":
                    item.setForeground(QBrush(QColor("#e06c5a")))
                self.table.setItem(row, column, item)
        if not plugins:
            self.details.setPlainText("No plugins were found.")
        else:
            self.table.setCurrentCell(0, 0)

    def _show_details(self, row: int) -> None:
        if not 0 <= row < len(self.registry.plugins):
            return
        p = self.registry.plugins[row]
        lines = [f"{p.name} {p.version} [{p.status}] ({p.source}: {p.location})"]
        if p.description:
            lines.append(p.description)
        lines += [f"    {kind}: {', '.join(refs)}" for kind, refs in p.contributions.items()]
        if p.error:
            lines.append(f"    reason: {p.error}")
        self.details.setPlainText("\n".join(lines))

    def row_texts(self, name: str) -> dict[str, str]:
        """A plugin's row as shown, by column name (for tests and the screenshot check)."""
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).text() == name:
                return {c: self.table.item(row, i).text() for i, c in enumerate(COLUMNS)}
        raise KeyError(name)

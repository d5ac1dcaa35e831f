"""The render queue: every job with its state, progress, ETA and live preview.

A view over `project.jobs` (the core `JobQueue`): it redraws from the queue's signals and
acts through the `GenerationController` (cancel, cancel all, retry, reorder, remove).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from studio.core.jobs import Job, JobState
from studio.ui.generation import GenerationController

log = logging.getLogger(__name__)

COLUMNS = ("", "Job", "State", "Progress", "ETA", "Message")
PREVIEW_SIZE = QSize(32, 18)  # fits a row; the viewer shows the preview large
STATE_TEXT = {
    JobState.QUEUED: "Queued",
    JobState.RUNNING: "Running",
    JobState.FINISHED: "Done",
    JobState.FAILED: "Failed",
    JobState.CANCELLED: "Cancelled",
}


def eta_text(seconds: float | None) -> str:
    if seconds is None or seconds < 0:
        return ""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


class QueuePanel(QWidget):
    """Lists jobs in queue order; the selected job is what the buttons act on."""

    def __init__(self, controller: GenerationController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queue_panel")
        self.controller = controller
        self.tree = QTreeWidget()
        self.tree.setObjectName("queue_list")
        self.tree.setHeaderLabels(list(COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setIconSize(PREVIEW_SIZE)
        self.tree.setUniformRowHeights(True)
        header = self.tree.header()
        header.setStretchLastSection(True)
        for column, width in enumerate((40, 220, 70, 110, 50)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Fixed)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_all_button = QPushButton("Cancel All")
        self.retry_button = QPushButton("Retry")
        self.up_button = QPushButton("Move Up")
        self.down_button = QPushButton("Move Down")
        self.clear_button = QPushButton("Clear Done")
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        self.cancel_all_button.clicked.connect(controller.cancel_all)
        self.retry_button.clicked.connect(self._on_retry_clicked)
        self.up_button.clicked.connect(lambda: self._move(-1))
        self.down_button.clicked.connect(lambda: self._move(+1))
        self.clear_button.clicked.connect(self._on_clear_clicked)
        buttons = QHBoxLayout()
        for button in (self.cancel_button, self.cancel_all_button, self.retry_button,
                       self.up_button, self.down_button, self.clear_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tree)
        layout.addLayout(buttons)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._bars: dict[str, QProgressBar] = {}
        events = controller.jobs.events
        events.job_added.connect(self._on_jobs_job_added)
        events.job_changed.connect(self._on_jobs_job_changed)
        events.job_removed.connect(self._on_jobs_job_removed)
        events.jobs_reordered.connect(self._rebuild)
        controller.job_updated.connect(self._on_controller_job_updated)
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        self._rebuild()

    def detach(self) -> None:
        events = self.controller.jobs.events
        events.job_added.disconnect(self._on_jobs_job_added)
        events.job_changed.disconnect(self._on_jobs_job_changed)
        events.job_removed.disconnect(self._on_jobs_job_removed)
        events.jobs_reordered.disconnect(self._rebuild)

    # --- reading ----------------------------------------------------------------------------

    def selected_job_id(self) -> str | None:
        items = self.tree.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def select_job(self, job_id: str) -> None:
        item = self._items.get(job_id)
        if item is not None:
            self.tree.setCurrentItem(item)

    def row_texts(self, job_id: str) -> dict[str, str]:
        """What a row shows, by column name (for tests and accessibility)."""
        item = self._items[job_id]
        return {name: item.text(i) for i, name in enumerate(COLUMNS) if name}

    # --- drawing ----------------------------------------------------------------------------

    def _rebuild(self) -> None:
        selected = self.selected_job_id()
        self.tree.clear()
        self._items.clear()
        self._bars.clear()
        for job in self.controller.jobs.jobs:
            self._add_row(job)
        if selected:
            self.select_job(selected)
        self._update_buttons()

    def _add_row(self, job: Job) -> None:
        item = QTreeWidgetItem()
        item.setData(0, Qt.ItemDataRole.UserRole, job.id)
        self.tree.addTopLevelItem(item)
        bar = QProgressBar()
        bar.setRange(0, 1000)
        bar.setTextVisible(True)
        bar.setMaximumHeight(18)
        self.tree.setItemWidget(item, 3, bar)
        self._items[job.id] = item
        self._bars[job.id] = bar
        self._fill(job)

    def _fill(self, job: Job) -> None:
        item, bar = self._items[job.id], self._bars[job.id]
        item.setText(1, job.label or job.id)
        item.setToolTip(1, job.request.get("prompt", ""))
        item.setText(2, STATE_TEXT[job.state])
        bar.setValue(round(job.progress * 1000))
        bar.setFormat(f"{round(job.progress * 100)}%")
        running = job.state is JobState.RUNNING
        item.setText(4, eta_text(self.controller.etas.get(job.id)) if running else "")
        item.setText(5, job.message)
        item.setToolTip(5, job.message)
        preview = self.controller.previews.get(job.id)
        if preview is not None:
            pixmap = QPixmap.fromImage(preview).scaled(
                PREVIEW_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation)
            item.setIcon(0, QIcon(pixmap))
        if job.state is JobState.FAILED:
            item.setForeground(5, Qt.GlobalColor.red)

    def _on_jobs_job_added(self, job: Job) -> None:
        self._add_row(job)
        self._update_buttons()

    def _on_jobs_job_changed(self, job: Job) -> None:
        if job.id in self._items:
            self._fill(job)
        self._update_buttons()

    def _on_jobs_job_removed(self, job: Job) -> None:
        self._rebuild()

    def _on_controller_job_updated(self, job_id: str) -> None:
        try:
            job = self.controller.jobs.get(job_id)
        except KeyError:
            return
        if job_id in self._items:
            self._fill(job)

    def _update_buttons(self) -> None:
        job_id = self.selected_job_id()
        job = None
        if job_id:
            try:
                job = self.controller.jobs.get(job_id)
            except KeyError:
                job = None
        jobs = self.controller.jobs.jobs
        self.cancel_button.setEnabled(job is not None and not job.state.done)
        self.retry_button.setEnabled(
            job is not None and job.state in (JobState.FAILED, JobState.CANCELLED))
        self.up_button.setEnabled(job is not None and jobs.index(job) > 0)
        self.down_button.setEnabled(job is not None and jobs.index(job) < len(jobs) - 1)
        self.cancel_all_button.setEnabled(any(not j.state.done for j in jobs))
        self.clear_button.setEnabled(any(j.state.done for j in jobs))

    # --- acting -----------------------------------------------------------------------------

    def _on_cancel_clicked(self) -> None:
        job_id = self.selected_job_id()
        if job_id:
            self.controller.cancel(job_id)

    def _on_retry_clicked(self) -> None:
        job_id = self.selected_job_id()
        if job_id:
            self.controller.retry(job_id)

    def _move(self, delta: int) -> None:
        job_id = self.selected_job_id()
        if not job_id:
            return
        jobs = self.controller.jobs
        index = jobs.jobs.index(jobs.get(job_id))
        jobs.move(job_id, index + delta)
        self.select_job(job_id)

    def _on_clear_clicked(self) -> None:
        for job in list(self.controller.jobs.jobs):
            if job.state.done:
                self.controller.remove(job.id)

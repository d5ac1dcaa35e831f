"""The panels of one open project, built together and wired to each other.

Panels talk only through signals connected here (never by reaching into each other), so each
stays a view over the model plus the undo stack; `detach()` unhooks them from the project
when the window switches to another one.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QWidget

from studio.core.errors import BadInput
from studio.core.model import Clip, Gap
from studio.ui import dialogs
from studio.ui.generation import GenerationController
from studio.ui.inspector import InspectorPanel
from studio.ui.media_panel import MediaPanel
from studio.ui.queue_panel import QueuePanel
from studio.ui.session import ProjectSession
from studio.ui.storyboard import StoryboardPanel
from studio.ui.takes import TakesPanel
from studio.ui.timeline import TimelineView
from studio.ui.undo_actions import UndoActions
from studio.ui.viewer import ViewerPanel

if TYPE_CHECKING:
    from studio.ui.main_window import MainWindow

log = logging.getLogger(__name__)


class Panels:
    """Every panel for `session`, inside `window`."""

    def __init__(self, window: MainWindow, session: ProjectSession) -> None:
        self.window, self.session = window, session
        project = session.project
        bundle_dir = session.bundle_dir
        self.undo = UndoActions(session.undo_stack, parent=window)
        self.controller = GenerationController(project, self.undo, window.worker, bundle_dir,
                                               parent=window)
        self.controller.rule_for = window.catalog.rule
        self.controller.registry_for = window.plugins.registry
        self.media = MediaPanel(project, self.undo, window.background, window.thumbnails,
                                bundle_dir)
        self.storyboard = StoryboardPanel(project, self.undo, self.controller, window.thumbnails,
                                          bundle_dir, self.media.import_paths)
        self.storyboard.native_size = window.catalog.native_size
        self.inspector = InspectorPanel(project, self.undo, window.catalog)
        self.takes = TakesPanel(project, self.undo, window.thumbnails, bundle_dir)
        self.queue = QueuePanel(self.controller)
        self.timeline = TimelineView(project, session.undo_stack, media_root=session.path)
        self.viewer = ViewerPanel(project, media_root=session.path)
        self._wire()

    def widgets(self) -> dict[str, QWidget]:
        return {"storyboard": self.storyboard, "media": self.media, "viewer": self.viewer,
                "timeline": self.timeline, "queue": self.queue, "inspector": self.inspector,
                "takes": self.takes}

    def _wire(self) -> None:
        w = self.window
        for source in (self.storyboard.error, self.media.error, self.undo.edit_refused,
                       self.timeline.edit_refused):
            source.connect(w.show_error)
        self.controller.message.connect(w.show_message)
        self.controller.prompt_refused.connect(
            lambda shot, rule, message: dialogs.show_refused(w, shot, rule, message))
        self.storyboard.shot_selected.connect(self._on_storyboard_shot_selected)
        self.takes.take_viewed.connect(self.viewer.show_take)
        self.media.media_viewed.connect(self.viewer.show_take)
        self.timeline.playhead_moved.connect(self._on_timeline_playhead_moved)
        self.viewer.frame_changed.connect(self._on_viewer_frame_changed)
        self.timeline.selection_changed.connect(self._on_timeline_selection_changed)
        self.timeline.clip_activated.connect(self._on_timeline_clip_activated)
        self.timeline.extend_requested.connect(self._on_timeline_extend_requested)
        self.timeline.fill_gap_requested.connect(self._on_timeline_fill_gap_requested)
        self.controller.preview_ready.connect(lambda _job, image: self.viewer.show_preview(image))
        self.controller.take_landed.connect(self._on_controller_take_landed)
        shot = self.storyboard.selected_shot_id()
        self._on_storyboard_shot_selected(shot or "")

    def rebased(self) -> None:
        """The bundle moved (Save As of an untitled project): media paths resolve elsewhere."""
        self.timeline.set_media_root(self.session.path)
        self.viewer.set_media_root(self.session.path)

    def detach(self) -> None:
        self.controller.detach()  # a no-op when stop() already detached it
        for panel in (self.storyboard, self.inspector, self.queue, self.media, self.takes):
            panel.detach()
        self.undo.disconnect_stack()
        self.controller.deleteLater()  # the widgets go with their docks; these with the window
        self.undo.deleteLater()

    def shutdown(self) -> None:
        """The window is closing: stop background decoding the views started."""
        loader = getattr(self.viewer, "loader", None)
        if loader is not None:
            loader.shutdown()

    # --- generation from the timeline -------------------------------------------------------

    def _on_timeline_extend_requested(self, clip_id: str, direction: str) -> None:
        project = self.session.project
        try:
            _track, clip = project.timeline.find_item(clip_id)
        except KeyError:
            return
        if not isinstance(clip, Clip):
            return
        shot = self.controller.shot_for(clip)
        prompt = shot.prompt if shot else ""
        frames = shot.settings.frames if shot else max(1, clip.duration)
        rate = shot.settings.fps if shot else project.rate
        options = dialogs.ask_extend(self.window, direction, prompt, frames, rate)
        if options is None:
            return
        self._guard(lambda: self.controller.extend_clip(clip_id, direction, options.prompt,
                                                        options.frames))

    def _on_timeline_fill_gap_requested(self, track_id: str, gap_id: str) -> None:
        project = self.session.project
        try:
            track = project.timeline.track(track_id)
            gap = next(i for i in track.items if i.id == gap_id)
        except (KeyError, StopIteration):
            return
        if not isinstance(gap, Gap):
            return
        index = track.items.index(gap)
        before = track.items[index - 1] if index else None
        shot = self.controller.shot_for(before) if isinstance(before, Clip) else None
        options = dialogs.ask_fill(self.window, shot.prompt if shot else "", gap.duration,
                                   project.rate)
        if options is None:
            return
        self._guard(lambda: self.controller.fill_gap(track_id, gap_id, options.prompt))

    def _guard(self, action) -> None:
        try:
            action()
        except BadInput as exc:
            self.window.show_error(str(exc))

    # --- selection and playhead -------------------------------------------------------------

    def _on_storyboard_shot_selected(self, shot_id: str) -> None:
        self.inspector.set_shot(shot_id or None)
        self.takes.set_shot(shot_id or None)

    def _on_timeline_selection_changed(self, ids: list) -> None:
        project = self.session.project
        for item_id in ids:
            try:
                _track, item = project.timeline.find_item(item_id)
            except KeyError:
                continue
            if isinstance(item, Clip) and item.shot_id:
                self.storyboard.select_shot(item.shot_id)
                break
        self.viewer.show_timeline()

    def _on_timeline_clip_activated(self, clip_id: str) -> None:
        try:
            _track, clip = self.session.project.timeline.find_item(clip_id)
        except KeyError:
            return
        if isinstance(clip, Clip):
            self.viewer.show_take(clip.media_id)

    def _on_timeline_playhead_moved(self, frame: int) -> None:
        if self.viewer.showing_timeline:
            self.viewer.set_frame(frame)
        else:
            self.viewer.show_timeline()
            self.viewer.set_frame(frame)

    def _on_viewer_frame_changed(self, frame: int) -> None:
        if self.viewer.showing_timeline and frame != self.timeline.playhead:
            self.timeline.set_playhead(frame)

    def _on_controller_take_landed(self, shot_id: str, _take_id: str) -> None:
        if self.storyboard.selected_shot_id() == shot_id:
            self.takes.set_shot(shot_id)


"""The timeline editor widget (QGraphicsView -> scene -> track items -> clip and gap items)."""

from studio.ui.timeline.drops import MEDIA_MIME, TAKE_MIME
from studio.ui.timeline.items import ClipItem, GapItem, TrackItem
from studio.ui.timeline.view import TimelineView

__all__ = ["MEDIA_MIME", "TAKE_MIME", "ClipItem", "GapItem", "TimelineView", "TrackItem"]

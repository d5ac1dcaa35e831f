"""What the viewer shows at a frame: which media file and which of its frames.

The timeline composites as editors do: the top track (the last in the list) wins where
tracks overlap, and frames where no track has a clip are black.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from studio.core.model import Clip, MediaItem, MediaKind, Project

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceFrame:
    media_id: str
    frame: int  # frame of the media file


def media_frame(media: MediaItem, frame: int) -> int:
    """Stills have one frame, however long their clip is."""
    return 0 if media.kind is MediaKind.IMAGE else frame


def timeline_frame(project: Project, frame: int) -> SourceFrame | None:
    """The media frame the cut shows at a timeline frame, or None for black."""
    if frame < 0:
        return None
    for track in reversed(project.timeline.tracks):
        start = 0
        for item in track.items:
            if start <= frame < start + item.duration:
                if isinstance(item, Clip):
                    try:
                        media = project.media_item(item.media_id)
                    except KeyError:
                        break  # a clip whose media is gone shows what is under it
                    offset = item.source_range.start + frame - start
                    return SourceFrame(media.id, media_frame(media, offset))
                break
            start += item.duration
    return None


class TimelineSource:
    """The project's cut."""

    def __init__(self, project: Project) -> None:
        self.project = project

    @property
    def duration(self) -> int:
        return self.project.timeline.duration

    def at(self, frame: int) -> SourceFrame | None:
        return timeline_frame(self.project, frame)


class MediaSource:
    """One media file (a take or an imported clip), frame for frame."""

    def __init__(self, project: Project, media_id: str) -> None:
        self.project = project
        self.media_id = media_id

    @property
    def media(self) -> MediaItem:
        return self.project.media_item(self.media_id)

    @property
    def duration(self) -> int:
        try:
            return max(1, self.media.frames)
        except KeyError:
            return 0

    def at(self, frame: int) -> SourceFrame | None:
        try:
            media = self.media
        except KeyError:
            return None
        if not 0 <= frame < max(1, media.frames):
            return None
        return SourceFrame(media.id, media_frame(media, frame))


Source = TimelineSource | MediaSource

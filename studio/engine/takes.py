"""How a finished generation becomes a take: the MediaItem and Take built from a TakeResult.

One function for every caller (the GUI's render controller, `studio generate --project`,
`studio demo`), so a take is named, described and dated the same way wherever it was made.
The callers keep their own concerns: where the file goes in the bundle, which edit commands
add the pair (the GUI groups them with the clip's placement as one undo step), and saving.
Torch-free: the GUI imports this.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from studio.core.model import MediaItem, MediaKind, Project, Shot, Take
from studio.engine.events import TakeResult

log = logging.getLogger(__name__)


def take_name(shot: Shot) -> str:
    """The name of the shot's next take, e.g. "Shot 2 take 3"."""
    return f"{shot.name} take {len(shot.takes) + 1}"


def take_from_result(project: Project, shot: Shot, result: TakeResult,
                     relative_path: str) -> tuple[MediaItem, Take]:
    """The media item for the video at `relative_path` (inside the bundle) and a take of it.

    When the project already holds media at that path (the same frames, stored under their
    content name) that item is reused: check `item in project.media` before adding it with
    `AddMedia`. The take is new either way; add it with `AddTake`."""
    item = next((m for m in project.media if m.path == relative_path), None)
    if item is None:
        item = MediaItem(name=take_name(shot), path=relative_path, kind=MediaKind.VIDEO,
                         frames=int(result.frames), rate=result.fps, width=int(result.width),
                         height=int(result.height), generated=True)
    take = Take(media_id=item.id, recipe=result.recipe,
                created=datetime.now(UTC).isoformat(timespec="seconds"))
    return item, take

"""`studio demo --out DIR`: a whole short film, headless, with the bundled demo model.

It builds `DIR/Demo.studio` from a built-in storyboard: a shot from text, a shot that
extends it, a second shot from text further down the timeline, and a shot that fills the gap
between them. The selected takes are placed on the timeline as an editor would place them,
the project is saved, and every export format is written into DIR. This is what `make demo`
runs, and what a new user can read to see the studio's whole path in one place.
"""

from __future__ import annotations

import argparse
import logging
import sys
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from studio.core import bundle
from studio.core.edits import PlaceClip, UndoStack
from studio.core.errors import BadInput
from studio.core.model import Clip, FrameRange, Project

log = logging.getLogger(__name__)

SIZE = 64  # the demo model's native window: 64x64 pixels, 17 frames
WINDOW = 17
# The demo model learned motion at 8 fps, but editing suites want broadcast rates (FCP 7 XML,
# FCPXML and AAF cannot carry 8 fps), so the demo film is cut at 24 fps: it moves briskly.
FPS = Fraction(24)
GAP = 9  # frames left open between the two halves for the bridging shot
RENDERS = (("render-h264", "Demo.mp4"), ("render-prores", "Demo.mov"))


@dataclass(frozen=True)
class Beat:
    """One shot of the built-in storyboard."""

    name: str
    prompt: str
    how: str  # "text", "extend" (from the previous clip), "infill" (the gap before the last)
    seed: int


STORYBOARD = (
    Beat("Opening", "a red circle moving to the right on a navy background", "text", 11),
    Beat("Follow", "a red circle moving to the right on a navy background", "extend", 16),
    Beat("Return", "a red circle moving to the left on a navy background", "text", 15),
    Beat("Bridge", "a red circle moving to the left on a navy background", "infill", 14),
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", "-o", metavar="DIR", required=True,
                        help="folder for Demo.studio and the exports (made if missing)")
    parser.add_argument("--steps", type=int, metavar="N",
                        help="denoising steps per shot (default: the model's default)")
    parser.add_argument("--model", default="demo", metavar="ID|PATH",
                        help="the model to use (default: the bundled demo model)")


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    project_path = out / "Demo.studio"
    if project_path.exists():
        raise BadInput(f"{project_path} already exists; choose another --out folder")
    out.mkdir(parents=True, exist_ok=True)
    project = bundle.create_project(project_path, "Demo")
    project.rate, project.width, project.height = FPS, SIZE, SIZE
    bundle.save_project(project, project_path)
    _say(f"created {project_path}")

    from studio.engine.client import EngineClient

    with EngineClient() as client:
        for beat in STORYBOARD:
            _shoot(project, project_path, beat, args, client)
    written = _export(project, project_path, out)
    print(f"wrote {project_path}")
    for path in written:
        print(f"wrote {path}")
    return 0


def _shoot(project: Project, project_path: Path, beat: Beat, args, client) -> None:
    """Generate one beat's take and place it on V1 where the storyboard says."""
    from studio.commands import generate as gen
    from studio.commands.generate_take import add_take, scratch_path
    from studio.engine import request as builders

    track = project.timeline.tracks[0]
    fields = {"model": args.model, "width": SIZE, "height": SIZE, "fps": FPS, "seed": beat.seed}
    if args.steps:
        fields["steps"] = args.steps
    clips = track.clips()
    if beat.how == "text":
        request = builders.text_to_video(beat.prompt, frames=WINDOW, **fields)
        at = track.duration + (GAP if clips else 0)
    elif beat.how == "extend":
        k = 5
        tail = _clip_frames(project, project_path, clips[-1], head=False, count=k)
        request = builders.extend_forward(tail, k, beat.prompt, frames=WINDOW, **fields)
        at = track.duration
    else:
        a, b = clips[-2], clips[-1]
        k = 4
        tail = _clip_frames(project, project_path, a, head=False, count=k)
        head = _clip_frames(project, project_path, b, head=True, count=k)
        request = builders.infill(tail, head, beat.prompt, frames=GAP + 2 * k, **fields)
        at = track.range_in_parent(a.id).end_exclusive
    _say(f"{beat.name}: {beat.how}, {request.output_frames} frames, seed {beat.seed}")
    result = gen.run_job(request, scratch_path(str(project_path)), client=client)
    shot, take = add_take(project, str(project_path), beat.name, request, result, move=True)
    item = project.media_item(take.media_id)
    clip = Clip(f"{shot.name} take {len(shot.takes)}", item.id, FrameRange(0, item.frames),
                shot_id=shot.id, take_id=take.id)
    UndoStack(project).push(PlaceClip(track.id, clip, at))
    bundle.save_project(project, project_path)


def _clip_frames(project: Project, project_path: Path, clip: Clip, *, head: bool, count: int):
    from studio.media import read_frames

    media = project.media_item(clip.media_id)
    src = clip.source_range
    start = src.start if head else src.end_exclusive - count
    return read_frames(bundle.bundle_root(project_path) / media.path, start, count)


def _export(project: Project, project_path: Path, out: Path) -> list[Path]:
    from studio.interchange.export import export_render, export_timeline
    from studio.interchange.formats import timeline_formats

    written: list[Path] = []
    for fmt in timeline_formats().values():  # every format there is, plugins' included
        _say(f"exporting {fmt.title}")
        # One export collects its media, to show the hand-off with files beside the cut.
        collect = fmt.key == "fcp7"
        written += export_timeline(project, project_path, fmt.key,
                                   out / f"Demo_{fmt.key}{fmt.suffix}", collect=collect,
                                   media_format="h264" if collect else None)
    for fmt, name in RENDERS:
        _say(f"rendering {name}")
        written += export_render(project, project_path, out / name,
                                 media_format=fmt.split("-")[1])
    return written


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


"""`studio export PROJECT --format F --out PATH`: hand the cut to an editing suite.

Timeline formats write one timeline file (an EDL per video track), pointing at the project's
media, or with `--collect-media` at copies beside it; `--media-format` transcodes those
copies (and implies collecting). `--format render` writes the whole cut as one file.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from studio.core import bundle
from studio.core.errors import BadInput

log = logging.getLogger(__name__)

RENDER_ALIASES = {
    "render-prores": "prores",
    "render-dnxhr": "dnxhr",
    "render-h264": "h264",
    "render-png": "png",
}
MEDIA_FORMATS = ("prores", "dnxhr", "h264", "png")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from studio.interchange.formats import timeline_formats

    timelines = timeline_formats()  # the built-in formats and those plugins add
    formats = "; ".join(f"{f.key}: {f.title} ({f.suffix}) for {f.suites}"
                        for f in timelines.values())
    parser.add_argument("project", metavar="PROJECT", help="the project folder (NAME.studio)")
    parser.add_argument(
        "--format",
        "-f",
        required=True,
        metavar="F",
        choices=[*timelines, "render", *RENDER_ALIASES],
        help=f"{formats}; render: the whole cut as one file (--media-format picks the codec; "
        "render-prores, render-h264, render-dnxhr and render-png say both at once)",
    )
    parser.add_argument(
        "--out",
        "-o",
        required=True,
        metavar="PATH",
        help="the file to write (for png, the folder of frames)",
    )
    parser.add_argument(
        "--collect-media",
        action="store_true",
        help="copy the media the cut uses into PATH's folder (NAME_media/) "
        "and point the timeline at the copies",
    )
    parser.add_argument(
        "--media-format",
        choices=MEDIA_FORMATS,
        default=None,
        help="prores: ProRes 422 HQ .mov; dnxhr: DNxHR HQ .mov; h264: .mp4; "
        "png: an image sequence. For a timeline, transcode the collected media "
        "to it; for a render, the render's codec (default prores)",
    )


def _bar(description: str, unit: str):
    from tqdm import tqdm

    state: dict[str, object] = {}

    def progress(done: int, total: int) -> None:
        if "bar" not in state:
            state["bar"] = tqdm(
                total=total, desc=description, unit=unit, file=sys.stderr, leave=False
            )
        bar = state["bar"]
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return progress


def run(args: argparse.Namespace) -> int:
    root = bundle.bundle_root(args.project)
    project = bundle.load_project(root)
    out = Path(args.out).expanduser()
    from studio.interchange.export import export_render, export_timeline

    fmt = args.format
    if fmt == "render" or fmt in RENDER_ALIASES:
        media_format = RENDER_ALIASES.get(fmt) or args.media_format or "prores"
        if args.media_format and args.media_format != media_format:
            raise BadInput(
                f"--format {fmt} renders {media_format}; leave out --media-format "
                f"{args.media_format} or use --format render."
            )
        if args.collect_media:
            raise BadInput(
                "A render is one self-contained file; --collect-media is for timeline formats."
            )
        files = export_render(project, root, out, media_format, progress=_bar("render", "frame"))
    else:
        files = export_timeline(
            project,
            root,
            fmt,
            out,
            collect=args.collect_media,
            media_format=args.media_format,
            progress=_bar("media", "file"),
        )
    for file in files:
        print(file)
    return 0

"""Rendering a timeline to ProRes, against encoding the same frames with plain PyAV.

Both sides decode the same spans of the same source files and encode ProRes 422 HQ with the
same settings; the studio side also plans the cut, converts to BT.709, writes atomically and
signs the file with a C2PA manifest. Prints the seconds of each (best of --repeat runs,
interleaved) and the ratio studio / plain; the target is 1.2 or less.

    .venv/bin/python benchmarks/export_speed.py [--width 1280 --height 720 --frames 48]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from studio.core.model import Clip, FrameRange, Gap, MediaItem, Project, Timeline, Track
from studio.interchange.render import render_timeline

RATE = Fraction(24)


def make_source(path: Path, frames: int, width: int, height: int, seed: int) -> None:
    """An H.264 file with moving texture, so the encoders have real pictures to code."""
    rng = np.random.default_rng(seed)
    base = rng.integers(0, 255, (height, width, 3), dtype=np.uint8)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=RATE, options={"crf": "18"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for n in range(frames):
            rgb = np.roll(base, 4 * n, axis=1)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = n
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def build(root: Path, frames: int, width: int, height: int) -> tuple[Project, list]:
    """A project of three clips and a gap; returns it and the spans (file, start, count)."""
    (root / "media").mkdir(parents=True)
    media = []
    for index in range(3):
        path = root / "media" / f"src{index}.mp4"
        make_source(path, frames, width, height, index)
        media.append(MediaItem(name=path.name, path=f"media/{path.name}", frames=frames,
                               rate=RATE, width=width, height=height))
    half = frames // 2
    items = [
        Clip("a", media[0].id, FrameRange(2, frames - 2)),
        Gap(6),
        Clip("b", media[1].id, FrameRange(half, frames - half)),
        Clip("c", media[2].id, FrameRange(0, frames)),
    ]
    project = Project(name="Bench", rate=RATE, width=width, height=height, media=media,
                      timeline=Timeline(tracks=[Track("V1", items=items)]))
    spans = [(root / media[0].path, 2, frames - 2), (None, 0, 6),
             (root / media[1].path, half, frames - half), (root / media[2].path, 0, frames)]
    return project, spans


def plain_pyav(spans: list, out: Path, width: int, height: int) -> None:
    """What a careful script does by hand: decode each span, encode it to ProRes 422 HQ."""
    black = av.VideoFrame.from_ndarray(np.zeros((height, width, 3), np.uint8), format="rgb24")
    with av.open(str(out), "w") as container:
        stream = container.add_stream("prores_ks", rate=RATE,
                                      options={"profile": "3", "vendor": "apl0"})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv422p10le"
        count = 0

        def put(frame: av.VideoFrame) -> None:
            nonlocal count
            frame.pts, frame.time_base = count, 1 / RATE
            for packet in stream.encode(frame):
                container.mux(packet)
            count += 1

        for path, start, length in spans:
            if path is None:
                for _ in range(length):
                    put(black)
                continue
            with av.open(str(path)) as source:
                video = source.streams.video[0]
                for index, frame in enumerate(source.decode(video)):
                    if index >= start + length:
                        break
                    if index >= start:
                        put(frame)
        for packet in stream.encode():
            container.mux(packet)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--frames", type=int, default=48, help="frames per source clip")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ.setdefault("STUDIO_HOME", str(root / "home"))  # a throwaway signing identity
        project, spans = build(root / "Bench.studio", args.frames, args.width, args.height)
        total = project.timeline.duration
        studio_times, plain_times = [], []
        for run in range(args.repeat):
            start = time.perf_counter()
            render_timeline(project, root / "Bench.studio", root / f"studio{run}.mov", "prores")
            studio_times.append(time.perf_counter() - start)
            start = time.perf_counter()
            plain_pyav(spans, root / f"plain{run}.mov", args.width, args.height)
            plain_times.append(time.perf_counter() - start)
        studio, plain = min(studio_times), min(plain_times)
        print(f"{total} frames at {args.width}x{args.height}, ProRes 422 HQ, best of {args.repeat}")
        print(f"studio render_timeline: {studio:.2f} s ({total / studio:.1f} fps)")
        print(f"plain PyAV:             {plain:.2f} s ({total / plain:.1f} fps)")
        print(f"ratio studio / plain:   {studio / plain:.2f} (target <= 1.2)")


if __name__ == "__main__":
    main()

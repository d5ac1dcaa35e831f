"""What running through the engine host costs over calling diffusers directly, side by side.

One process calls the diffusers pipeline itself (loaded the same way, same placement, same
request, the frames written with the same encoder); the engine host runs the same request as
a job (IPC, step callbacks with throttled previews, saved latents, output checks, recipe).
Both are warm: the pipeline is loaded and one run is thrown away first. Runs alternate so a
busy machine slows both alike. Prints medians and their ratio (target: at most 1.05).

    .venv/bin/python benchmarks/engine_overhead.py [--runs 5] [--steps 10]

Uses the demo model when `assets/models/demo` exists, else a tiny random Wan model built in a
temporary folder. No asserts: the numbers are for reading.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each (median shown)")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--size", default="", help="WxH (default: 64x64 tiny, 256x256 demo)")
    parser.add_argument("--frames", type=int, default=17)
    parser.add_argument("--device", default="auto", choices=("auto", "cuda", "mps", "cpu"))
    return parser.parse_args()


def pick_model(workdir: Path) -> tuple[str, str]:
    from studio.engine.sources import demo_path

    if (demo_path() / "model_index.json").is_file():
        return "demo", "the bundled demo model"
    sys.path.insert(0, str(ROOT / "tests" / "engine"))
    from tiny_models import build_tiny

    folder = build_tiny("wan", workdir)
    return str(folder), "a tiny random Wan 2.1 model (no demo model installed)"


class Direct:
    """The same pipeline, called by hand: what a script using diffusers alone would do."""

    def __init__(self, request) -> None:
        import torch

        from studio.engine import loading
        from studio.engine.backends import backend_for
        from studio.engine.memory import apply_plan, choose_plan, probe_device
        from studio.engine.sources import resolve_model

        self.request = request
        info = resolve_model(request.model)
        counts = loading.parameter_counts(info.path)
        self.plan = choose_plan(
            probe_device(request.device), sum(counts.values()), max(counts.values(), default=0),
            preset=request.preset, steps=request.steps,
            pixels=request.width * request.height * request.frames,
        )
        self.pipe = loading.load_pipeline(info, backend_for(info).pipeline_class(), self.plan.torch_dtype())
        apply_plan(self.pipe, self.plan)
        self.torch = torch

    def run(self, out: Path) -> None:
        from studio.media import write_video

        r = self.request
        video = self.pipe(
            prompt=r.prompt, negative_prompt=r.negative_prompt, height=r.height, width=r.width,
            num_frames=r.frames, num_inference_steps=r.steps, guidance_scale=r.guidance,
            generator=self.torch.Generator("cpu").manual_seed(r.seed), output_type="np",
        ).frames[0]
        frames = (video * 255).round().clip(0, 255).astype("uint8")
        write_video(out, frames, r.fps)


def main() -> int:
    args = parse_args()
    import torch

    from studio.engine.client import EngineClient
    from studio.engine.events import JobFinished
    from studio.engine.request import GenerationRequest

    with tempfile.TemporaryDirectory(prefix="engine_overhead_") as tmp:
        workdir = Path(tmp)
        model, described = pick_model(workdir / "models")
        default_size = "256x256" if model == "demo" else "64x64"
        width, height = (int(v) for v in (args.size or default_size).split("x"))
        request = GenerationRequest(
            "a red car drives along a street by the sea", model=model, width=width, height=height,
            frames=args.frames, steps=args.steps, seed=1, device=args.device,
        )
        print(f"engine overhead, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}")
        print(f"model: {described}")
        print(
            f"request: {width}x{height}, {args.frames} frames, {args.steps} steps, "
            f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads"
        )
        direct = Direct(request)
        print(f"device: {direct.plan.device}, dtype {direct.plan.dtype}")
        direct_times: list[float] = []
        host_times: list[float] = []
        with EngineClient() as engine:
            for run in range(args.runs + 1):  # run 0 warms both up and is not counted
                began = time.perf_counter()
                job = engine.submit(request, workdir / f"host{run}.mkv")
                final = engine.wait(job, timeout=3600)
                host_s = time.perf_counter() - began
                if not isinstance(final, JobFinished):
                    print(f"the engine job failed: {final}")
                    return 1
                began = time.perf_counter()
                direct.run(workdir / f"direct{run}.mkv")
                direct_s = time.perf_counter() - began
                label = "warm-up" if run == 0 else f"run {run}"
                print(f"  {label:8} host {host_s:7.3f} s   direct {direct_s:7.3f} s")
                if run:
                    host_times.append(host_s)
                    direct_times.append(direct_s)
        host_median = statistics.median(host_times)
        direct_median = statistics.median(direct_times)
        print(f"direct diffusers, in-process: median {direct_median:.3f} s, best {min(direct_times):.3f} s")
        print(f"through the engine host:      median {host_median:.3f} s, best {min(host_times):.3f} s")
        print(f"ratio host / direct, medians: {host_median / direct_median:.3f} (target <= 1.05)")
        # On a shared machine the best runs are the least disturbed ones.
        print(f"ratio host / direct, best runs: {min(host_times) / min(direct_times):.3f}")
        print(f"load average over the run: {os.getloadavg()[1]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

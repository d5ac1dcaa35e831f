"""How long one 17-frame demo shot takes at the default steps, once the model is loaded.

    .venv/bin/python benchmarks/demo_speed.py [--threads 2] [--steps N] [--repeat 3]

Runs the shipped demo model through the stock WanVACEPipeline on the CPU (text to video and an
extend with 4 pinned frames) and prints the median seconds per shot; the target is under 15 s
on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from studio.demo import model as M
from studio.demo.pipeline import generate, load_pipeline
from studio.demo.scenes import make_scene, render


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--steps", type=int, default=M.DEFAULT_STEPS)
    p.add_argument("--guidance", type=float, default=M.DEFAULT_GUIDANCE)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    pipe = load_pipeline()
    print(f"loaded in {time.perf_counter() - t0:.1f} s")
    generate(pipe, "warm up", steps=1, guidance=1.0)
    real = render(make_scene(1_000_000))
    cases = {
        "text to video": None,
        "extend (4 pinned frames)": {t: real[t] for t in range(4)},
    }
    for name, pins in cases.items():
        times = []
        for i in range(args.repeat):
            t = time.perf_counter()
            generate(
                pipe,
                "a red circle moving to the right",
                pins,
                seed=i,
                steps=args.steps,
                guidance=args.guidance,
            )
            times.append(time.perf_counter() - t)
        med = statistics.median(times)
        verdict = "under" if med < 15 else "OVER"
        print(
            f"{name}: {med:.2f} s per 17-frame 64x64 shot "
            f"({args.steps} steps, guidance {args.guidance}, {args.threads} threads) - {verdict} the 15 s target"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

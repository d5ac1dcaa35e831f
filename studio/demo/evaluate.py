"""Evaluate the shipped demo model on held-out seeds and caption phrasings.

    python -m studio.demo.evaluate [--model assets/models/demo] [--count 16] [--json out.json]

Everything runs through the stock `WanVACEPipeline` loaded from the folder. Prints: VAE
reconstruction PSNR; how far apart the pinned latents of different backgrounds are when extending
forward and back (what the transformer can read of a background from the pins); prompt
adherence (colour and direction of the moving shape, read by `studio.demo.detect` from the
generated pixels, in all and by shape size); pinned-frame PSNR per mode; seam smoothness of
extend, extend back and infill (the frame difference across a seam over the median frame
difference inside the generated part: 1.0 is a seamless cut, the real clips score about 1), on
the model's frames and with the original frames at the pins, as the take meets them on the
timeline.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
import time
from collections import Counter
from itertools import combinations, pairwise
from pathlib import Path

import numpy as np
import torch

from studio.demo import model as M
from studio.demo.captions import caption, mover_caption
from studio.demo.card import kept_text, seam_text, separation_text, write_card
from studio.demo.data import to_tensor, to_uint8
from studio.demo.detect import detect, psnr
from studio.demo.pipeline import DEMO_FOLDER, generate, load_pipeline
from studio.demo.scenes import (
    BACKGROUND_COLOURS,
    FRAMES,
    SIZES,
    held_out_seeds,
    make_scene,
    render,
)
from studio.demo.vace import encode

log = logging.getLogger(__name__)

# Pin layouts per mode: frame indices pinned from the real clip.
K = 4
MODES: dict[str, list[int]] = {
    "first frame": [0],
    "extend (first 4)": list(range(K)),
    "extend back (last 4)": list(range(FRAMES - K, FRAMES)),
    "infill (4 + 4)": list(range(K)) + list(range(FRAMES - K, FRAMES)),
}
# Seams: the frame pairs either side of each pinned/generated boundary, per mode.
SEAMS: dict[str, list[tuple[int, int]]] = {
    "extend (first 4)": [(K - 1, K)],
    "extend back (last 4)": [(FRAMES - K - 1, FRAMES - K)],
    "infill (4 + 4)": [(K - 1, K), (FRAMES - K - 1, FRAMES - K)],
}


def _frame_diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


def seam_ratio(frames: np.ndarray, seams: list[tuple[int, int]], pinned: list[int]) -> float:
    """Mean difference across the seams over the median consecutive difference among generated frames."""
    inside = [
        _frame_diff(frames[t], frames[t + 1])
        for t in range(len(frames) - 1)
        if t not in pinned and t + 1 not in pinned
    ]
    base = max(float(np.median(inside)), 0.5)
    return float(np.mean([_frame_diff(frames[a], frames[b]) for a, b in seams]) / base)


def timeline_seam_ratio(
    frames: np.ndarray, real: np.ndarray, seams: list[tuple[int, int]], pinned: list[int]
) -> float:
    """`seam_ratio` with the original frames at the pins, as the take meets them on the timeline."""
    spliced = frames.copy()
    spliced[pinned] = real[pinned]
    return seam_ratio(spliced, seams, pinned)


# Wan's causal encoder codes the first frame alone, then 4 frames at a time, whatever its
# compression in time; later chunks can come out worse.
ENCODER_CHUNK = 4


@torch.no_grad()
def vae_psnr(pipe, seeds: list[int]) -> tuple[float, list[float]]:
    """Mean reconstruction PSNR over whole clips, and per encoder chunk: the first frame, then
    each 4-frame chunk."""
    vae = pipe.vae
    values, parts = [], []
    for seed in seeds:
        real = render(make_scene(seed))
        x = to_tensor(real)[None].to(vae.device, vae.dtype)
        made = to_uint8(vae.decode(vae.encode(x).latent_dist.mode()).sample[0])
        values.append(psnr(made, real))
        bounds = [0, *range(1, FRAMES + 1, ENCODER_CHUNK)]
        parts.append([psnr(made[a:b], real[a:b]) for a, b in pairwise(bounds)])
    return float(np.mean(values)), [float(v) for v in np.mean(parts, axis=0)]


# Extending back with the background left out of the prompt, a take keeps the clip's background
# when the border of its middle new frame is within this of the real clip's (summed over RGB).
BACKGROUND_TOLERANCE = 30.0


def _border_colour(frame: np.ndarray, width: int = 3) -> np.ndarray:
    rows = [frame[:width], frame[-width:], frame[:, :width], frame[:, -width:]]
    return np.concatenate([r.reshape(-1, 3) for r in rows]).astype(np.float32).mean(axis=0)


def background_kept(pipe, seeds: list[int], steps: int, guidance: float) -> dict[str, int]:
    """Of clips extended back from their first 4 frames with a prompt that names the shape but
    not the background, how many takes keep the clip's background (see BACKGROUND_TOLERANCE)."""
    pinned = MODES["extend back (last 4)"]
    middle = pinned[0] // 2
    kept = 0
    for seed in seeds:
        scene = make_scene(seed, shapes=1)
        real = render(scene)
        pins = {t: real[t] for t in pinned}
        frames = generate(pipe, mover_caption(scene), pins, seed=seed, steps=steps, guidance=guidance)
        off = np.abs(_border_colour(frames[middle]) - _border_colour(real[middle])).sum()
        kept += bool(off <= BACKGROUND_TOLERANCE)
    return {"kept": kept, "count": len(seeds)}


# The pinned latent whose background the separation figure reads, per mode: extend's first
# latent codes the first frame alone, extend back's last codes the pins after 13 empty frames.
SEPARATION_LATENT = {"extend (first 4)": 0, "extend back (last 4)": -1}


@torch.no_grad()
def background_separation(vae, seeds: list[int]) -> dict[str, dict]:
    """How far apart the conditioning latents of different backgrounds are at the pins.

    For each scene, its motion is drawn on every flat background and pinned as `mode` pins it;
    the rest of the conditioning video is zero, as the pipeline's inactive video. The figure per
    mode is the median, over scenes, of the RMS distance between the pinned latents of the two
    backgrounds that come out closest, with the pair that is closest most often. Wan's causal
    encoder codes each 4-frame chunk after those before it: after an empty start it may keep
    little of a background's hue, and then no transformer can read it from the pins.
    """
    names = list(BACKGROUND_COLOURS)
    results = {}
    for mode, latent in SEPARATION_LATENT.items():
        keep = torch.zeros(1, 1, FRAMES, 1, 1)
        keep[:, :, MODES[mode]] = 1.0
        closest, pairs = [], Counter()
        for seed in seeds:
            flat = dataclasses.replace(make_scene(seed), gradient="flat", background2=None)
            clips = [to_tensor(render(dataclasses.replace(flat, background=n))) for n in names]
            z = encode(vae, (torch.stack(clips) * keep).to(vae.device))[:, :, latent].float()
            dist, a, b = min(
                (float((z[i] - z[j]).pow(2).mean().sqrt()), i, j)
                for i, j in combinations(range(len(names)), 2)
            )
            closest.append(dist)
            pairs[f"{names[a]} / {names[b]}"] += 1
        results[mode] = {"rms": float(np.median(closest)), "pair": pairs.most_common(1)[0][0]}
    return results


# The card's prompts are the held-out seeds from this one on; another start compares weights on
# prompts the card has not seen, so a change is not picked for the card's own prompts.
CARD_FIRST = 500


def evaluate(
    folder: Path,
    count: int,
    steps: int,
    guidance: float,
    progress: bool = True,
    first: int = CARD_FIRST,
) -> dict:
    t0 = time.monotonic()
    # Read with the weights: the trainer may export newer ones while this runs.
    training_file = folder / "training.json"
    training = json.loads(training_file.read_text()) if training_file.is_file() else None
    pipe = load_pipeline(folder)
    seeds = held_out_seeds(count, first)
    results: dict = {"count": count, "first": first, "steps": steps, "guidance": guidance}
    results["training"] = training
    results["vae_psnr_db"], results["vae_psnr_by_latent_frame_db"] = vae_psnr(pipe, seeds)
    by_part = ", ".join(f"{v:.1f}" for v in results["vae_psnr_by_latent_frame_db"])
    _say(
        progress,
        f"VAE reconstruction PSNR: {results['vae_psnr_db']:.2f} dB "
        f"(first frame, then each 4-frame chunk: {by_part})",
    )
    results["background_separation"] = background_separation(pipe.vae, seeds[:8])
    _say(
        progress,
        "Backgrounds in the pinned latent, the closest two (RMS apart): "
        + separation_text(results["background_separation"]),
    )

    # Per shape size: small shapes are the ones the model most often loses or miscolours.
    by_size = {size: {"count": 0, "colour_correct": 0, "direction_correct": 0} for size in SIZES}
    gen_times = []
    for i, seed in enumerate(seeds):
        scene = make_scene(seed, shapes=1)
        text = caption(scene, 0, held_out=True)
        g0 = time.monotonic()
        frames = generate(pipe, text, seed=seed, steps=steps, guidance=guidance)
        gen_times.append(time.monotonic() - g0)
        colour, direction = detect(frames)
        mover = scene.movers[0]
        tally = by_size[mover.size]
        tally["count"] += 1
        tally["colour_correct"] += colour == mover.colour
        tally["direction_correct"] += direction == mover.direction
        _say(progress, f"  [{i + 1}/{count}] {text!r}: saw {colour} {direction}")
    colour_ok = sum(t["colour_correct"] for t in by_size.values())
    direction_ok = sum(t["direction_correct"] for t in by_size.values())
    results["colour_correct"], results["direction_correct"] = colour_ok, direction_ok
    results["colour_accuracy"] = colour_ok / count
    results["direction_accuracy"] = direction_ok / count
    results["adherence_by_size"] = by_size
    results["seconds_per_shot"] = float(np.mean(gen_times))
    _say(
        progress, f"Prompt adherence: colour {colour_ok}/{count}, direction {direction_ok}/{count}"
    )
    sizes = "; ".join(
        f"{size} colour {t['colour_correct']}/{t['count']}, direction {t['direction_correct']}/{t['count']}"
        for size, t in by_size.items()
    )
    _say(progress, f"  by shape size: {sizes}")

    pins: dict[str, list[float]] = {m: [] for m in MODES}
    # Seam ratios per mode: of the model's frames; with the original frames at the pins (the
    # engine keeps only a take's new frames, so on the timeline they meet those, and a model
    # that redraws the pins on another background looks seamless on its own frames alone); and
    # of the real clip, for scale.
    seams: dict[str, dict[str, list[float]]] = {
        key: {m: [] for m in SEAMS}
        for key in ("seam_ratio", "seam_ratio_original_pins", "seam_ratio_real_clips")
    }
    for seed in seeds[: max(1, count // 2)]:
        scene = make_scene(seed)
        real = render(scene)
        text = caption(scene, 1, held_out=True)
        for mode, pinned in MODES.items():
            frames = generate(
                pipe, text, {t: real[t] for t in pinned}, seed=seed, steps=steps, guidance=guidance
            )
            pins[mode].append(psnr(frames[pinned], real[pinned]))
            if mode in SEAMS:
                seams["seam_ratio"][mode].append(seam_ratio(frames, SEAMS[mode], pinned))
                seams["seam_ratio_original_pins"][mode].append(
                    timeline_seam_ratio(frames, real, SEAMS[mode], pinned)
                )
                seams["seam_ratio_real_clips"][mode].append(seam_ratio(real, SEAMS[mode], pinned))
    results["pin_psnr_db"] = {m: float(np.mean(v)) for m, v in pins.items()}
    results["pin_psnr_min_mode_db"] = min(results["pin_psnr_db"].values())
    for key, by_mode in seams.items():
        results[key] = {m: float(np.median(v)) for m, v in by_mode.items()}
    for mode, value in results["pin_psnr_db"].items():
        _say(progress, f"Pinned frames, {mode}: {value:.2f} dB")
    kept = background_kept(pipe, seeds[: max(1, count // 4)], steps, guidance)
    results["extend_back_background_kept"] = kept
    _say(progress, f"Extending back, the prompt not naming the background: {kept_text(kept)}")
    for mode in results["seam_ratio"]:
        _say(progress, f"Seam ratio, {mode}: {seam_text(results, mode)}")
    results["minutes"] = round((time.monotonic() - t0) / 60, 1)
    return results


def _say(enabled: bool, text: str) -> None:
    if enabled:
        print(text, flush=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m studio.demo.evaluate", description=__doc__.split("\n\n")[0]
    )
    p.add_argument(
        "--model",
        type=Path,
        default=DEMO_FOLDER,
        help="diffusers folder (default: the shipped demo model)",
    )
    p.add_argument(
        "--count", type=int, default=16, help="held-out prompts (half as many clips per pin mode)"
    )
    p.add_argument(
        "--first",
        type=int,
        default=CARD_FIRST,
        help=f"held-out prompt to start from (default {CARD_FIRST}, the model card's; another, "
        "such as 3000, to compare weights on prompts the card has not seen)",
    )
    p.add_argument("--steps", type=int, default=M.DEFAULT_STEPS)
    p.add_argument("--guidance", type=float, default=M.DEFAULT_GUIDANCE)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", type=Path, help="also write the figures to this file")
    p.add_argument(
        "--card",
        action="store_true",
        help="write the figures into the folder's README.md model card",
    )
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    torch.set_num_threads(args.threads)
    if not (args.model / "model_index.json").is_file():
        print(
            f"error: {args.model} is not a diffusers model folder (no model_index.json).",
            file=sys.stderr,
        )
        return 2
    if args.first < 0:
        print(
            f"error: --first {args.first} is not a held-out prompt (they are numbered from 0).",
            file=sys.stderr,
        )
        return 2
    if args.card and args.first != CARD_FIRST:
        print(
            f"error: the model card is measured from held-out prompt {CARD_FIRST}; "
            f"leave out --first {args.first} to write it.",
            file=sys.stderr,
        )
        return 2
    results = evaluate(args.model, args.count, args.steps, args.guidance, first=args.first)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    if args.card:
        print(f"wrote {write_card(args.model, results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The demo trainer's command line: its options, and the settings a run goes on with."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from studio.demo import model as M
from studio.demo.phases import NO_STEP_LIMIT
from studio.demo.run import NEW_RUN, carry_settings

DESCRIPTION = (
    "Train the demo model: the VAE, then the VACE transformer (flow matching), then the decoder."
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m studio.demo.train", description=DESCRIPTION
    )
    p.add_argument(
        "--out",
        type=Path,
        default=Path("runs/demo"),
        help="checkpoint and log folder (default runs/demo)",
    )
    p.add_argument(
        "--export",
        type=Path,
        default=None,
        help="diffusers folder to export to (default OUT/model; name assets/models/demo to "
        "replace the bundled model)",
    )
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or mps (default auto)")
    p.add_argument("--threads", type=int, default=2, help="CPU threads for torch (default 2)")
    p.add_argument(
        "--workers",
        type=int,
        default=0,
        help="processes that render training scenes ahead of the steps (default 0: rendered "
        "when needed; on a GPU, about the machine's cores less two)",
    )
    p.add_argument(
        "--bf16",
        action="store_true",
        help="transformer steps under bfloat16 autocast (faster on CPUs with AMX and on GPUs)",
    )
    p.add_argument("--vae-minutes", type=float, default=35.0, help="time budget of the VAE phase")
    p.add_argument("--vae-steps", type=int, default=20000, help="step budget of the VAE phase")
    p.add_argument("--vae-batch", type=int, default=4, help="VAE batch size (clips)")
    p.add_argument(
        "--vae-lr",
        type=float,
        help=f"VAE peak learning rate ({_new_run('vae_lr')}; at Adam's usual 3e-4 the decoder "
        "learns the mean frame in a few steps, stops reading its latents and takes thousands to "
        "recover)",
    )
    p.add_argument("--batch", type=int, default=8, help="transformer batch size")
    p.add_argument("--lr", type=float, help=f"transformer peak learning rate ({_new_run('lr')})")
    p.add_argument(
        "--shape-weight",
        type=float,
        help="extra loss weight on the latents the shapes touch (0: a plain mean; "
        f"{_new_run('shape_weight')})",
    )
    p.add_argument(
        "--prompt-tokens",
        type=int,
        help=f"tokens prompts are padded to ({_new_run('prompt_tokens')}; Wan's pipeline pads "
        f"to {M.WAN_PROMPT_TOKENS}, which drowns a short caption in padding)",
    )
    p.add_argument(
        "--direction-contrast",
        type=float,
        help="weight of a term that asks the flow error on the shapes to be higher with the "
        "caption's directions reversed than with the true caption (0: off; costs half a step "
        f"more; {_new_run('direction_contrast')})",
    )
    p.add_argument(
        "--direction-min-sigma",
        type=float,
        help="apply the direction and colour terms only to samples noised at least this much "
        f"(0 to 1; 0: all; {_new_run('direction_min_sigma')}), where the caption still decides "
        "the motion and the colour",
    )
    p.add_argument(
        "--colour-contrast",
        type=float,
        help="weight of a term that asks the flow error on the shapes to be higher with each "
        "shape in its nearest other colour (yellow for orange) than with the true caption "
        f"(0: off; costs half a step more; {_new_run('colour_contrast')})",
    )
    p.add_argument(
        "--reference-share",
        type=float,
        help="share of batches (0 to 1) that extend back with the first pinned frame as a VACE "
        "reference image, which the engine then passes when extending back with this model "
        f"(0: none; {_new_run('reference_share')})",
    )
    p.add_argument(
        "--small-share",
        type=float,
        help="share of training clips (0 to 1; every phase's) drawn again until they have a "
        "small shape, on top of those that have one anyway (about 38%%): small shapes are where "
        f"the model misses colours (0: none; {_new_run('small_share')})",
    )
    p.add_argument(
        "--ema-decay",
        type=float,
        help="the exported weights are an average of the trained ones that each step moves "
        "1 - D of the way, spanning about 1 / (1 - D) steps (0 to below 1; 0.9995 spans 2000: "
        f"smoother weights late in a run; {_new_run('ema_decay')})",
    )
    p.add_argument(
        "--steps", type=int, default=NO_STEP_LIMIT, help="stop after this many transformer steps"
    )
    p.add_argument(
        "--transformer-minutes",
        type=float,
        default=math.inf,
        help="time budget of the transformer phase (default: until --steps or Ctrl-C); "
        "the learning rate falls along a cosine to a tenth of its peak over the budget",
    )
    p.add_argument(
        "--decoder-minutes",
        type=float,
        default=20.0,
        help="time budget of the decoder phase (encoder frozen), run after the transformer's; "
        "to go on with the decoder alone, give --transformer-minutes 0 (the transformer's "
        "default budget has no end, so a resumed run would train it first)",
    )
    p.add_argument(
        "--decoder-steps", type=int, default=NO_STEP_LIMIT, help="step budget of the decoder phase"
    )
    p.add_argument("--decoder-batch", type=int, default=2, help="decoder batch size (whole clips)")
    p.add_argument(
        "--decoder-lr", type=float, help=f"decoder peak learning rate ({_new_run('decoder_lr')})"
    )
    p.add_argument(
        "--checkpoint-minutes", type=float, default=4.0, help="minutes between checkpoints"
    )
    p.add_argument(
        "--eval-minutes", type=float, default=10.0, help="minutes between held-out evaluations"
    )
    p.add_argument(
        "--init-from",
        type=Path,
        help="when --out has no checkpoint, start from an exported folder (e.g. assets/models/demo) and its training.json",
    )
    p.add_argument(
        "--vae-from",
        type=Path,
        help="when --out has no checkpoint, start the VAE from this folder's (an older layout: "
        "its latents are cut to this layout's channels along their principal directions and "
        "its compression in time is dropped), then train as usual",
    )
    p.add_argument(
        "--transformer-from",
        type=Path,
        help="while the transformer has not been trained, start it from this folder's, even of "
        "an older latent layout: its blocks and its text and time embedders carry over, the "
        "layers that read and write latents start afresh",
    )
    p.add_argument(
        "--seed", type=int, default=0, help="seed of the initial weights and the data order"
    )
    p.add_argument(
        "--export-only",
        action="store_true",
        help="train nothing: export the checkpoint's weights as they are now to --export (the "
        "run exports its best held-out loss by itself; this is for the latest weights, e.g. "
        "after a new loss term raised it), with their held-out loss in training.json",
    )
    p.add_argument(
        "--retrain-vae",
        action="store_true",
        help="go back to the VAE phase (the transformer restarts)",
    )
    args = p.parse_args(argv)
    for share in ("reference_share", "small_share"):
        value = getattr(args, share)
        if value is not None and not 0.0 <= value <= 1.0:
            p.error(f"--{share.replace('_', '-')} is a share, from 0 to 1, not {value:g}")
    if args.ema_decay is not None and not 0.0 <= args.ema_decay < 1.0:
        p.error(f"--ema-decay is from 0 to below 1 (1 would never move), not {args.ema_decay:g}")
    if args.export is None:
        args.export = args.out / "model"
    # Settings left out go on as the run was trained; `args.carried` names them, for the log.
    args.carried = carry_settings(args)
    return args


def _new_run(key: str) -> str:
    return f"a new run takes {NEW_RUN[key]:g}; a run that goes on, the one it was trained with"

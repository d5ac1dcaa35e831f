"""Train the demo model: the VAE, then the VACE transformer (flow matching), then the decoder.

    python -m studio.demo.train --out runs/demo

Resumable: the whole state (phase, steps, weights, optimisers, EMA, random generators) is saved
to OUT/checkpoint.pt every few minutes and on SIGTERM / Ctrl-C; running the same command again
continues from it, with the settings it was trained with wherever the command line is silent
(as does a run started --init-from an exported folder). Whenever a held-out evaluation improves,
the model is exported (atomically) as a diffusers folder to --export, OUT/model unless told
otherwise: the bundled model in assets/models/demo is replaced only when --export names it.
"""

from __future__ import annotations

import logging
import math
import signal
import sys
import time
import warnings

import torch

from studio.demo import model as M
from studio.demo.data import PromptEncoder
from studio.demo.feed import train_seed
from studio.demo.phases import (
    Phase,
    decoder_phase,
    plan,
    transformer_phase,
    vae_phase,
)
from studio.demo.run import (
    LOSS_SETTINGS,
    SAME_HELD_OUT_LOSS,
    Run,
    new_flow_trainer,
    transformer_body_differs,
)
from studio.demo.scenes import held_out_seeds
from studio.demo.train_args import parse_args
from studio.demo.trainsteps import VaeTrainer

log = logging.getLogger(__name__)


def pick_device(name: str) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    return torch.device(name)


def train_phase(run: Run, stop: dict, phase: Phase, step_fn, evaluate) -> None:
    """Step until the phase's budget is spent or a signal comes, evaluating and checkpointing.

    `step_fn()` does one optimisation step and returns its loss; `evaluate()` measures the
    held-out figure, records it and exports when it improved (returning True if it saved).
    """
    args, st = run.args, run.state
    phase.note_peak_lr(st)
    last_ck = last_eval = time.monotonic()
    while phase.left(st) and not stop["now"]:
        t0 = time.monotonic()
        loss = step_fn()
        st[phase.steps_key] += 1
        st[phase.seconds_key] += time.monotonic() - t0
        if st[phase.steps_key] % 10 == 0:
            log.info(
                "%s step %d loss %.4f (%.2fs/step, %.1f min)",
                phase.name,
                st[phase.steps_key],
                loss,
                time.monotonic() - t0,
                st[phase.seconds_key] / 60,
            )
        now = time.monotonic()
        if now - last_eval > args.eval_minutes * 60:
            last_eval = now
            if evaluate():
                last_ck = time.monotonic()
        if now - last_ck > args.checkpoint_minutes * 60:
            last_ck = now
            run.save()


VAL_SEEDS = held_out_seeds(8, 0)


def _vae_evaluator(run: Run, trainer: VaeTrainer, name: str, *, latent_stats: bool):
    def evaluate() -> bool:
        st = run.state
        psnr = trainer.psnr(VAL_SEEDS)
        log.info("%s held-out PSNR %.2f dB", name, psnr)
        st["history"].append({"phase": name, "step": st[f"{name}_step"], "psnr": psnr})
        if psnr <= st["best_psnr"]:
            return False
        st["best_psnr"] = psnr
        if latent_stats:
            trainer.set_latent_stats(VAL_SEEDS)
        run.save()
        run.export()
        return True

    return evaluate


def run_vae_phase(run: Run, stop: dict) -> None:
    args, st = run.args, run.state
    phase = vae_phase(args)

    def step() -> float:
        videos = [s.frames for s in run.feed.take(args.vae_batch)]
        return run.vae_trainer.step(videos, run.rng, st["vae_step"], phase.fraction(st))

    train_phase(
        run, stop, phase, step, _vae_evaluator(run, run.vae_trainer, "vae", latent_stats=True)
    )
    if stop["now"]:
        return
    psnr = run.vae_trainer.psnr(VAL_SEEDS)
    log.info("VAE phase done: held-out PSNR %.2f dB after %d steps", psnr, st["vae_step"])
    st["history"].append({"phase": "vae", "step": st["vae_step"], "psnr": psnr})
    st["best_psnr"] = psnr
    # The transformer's latent space is fixed from here on: normalise it once, on training scenes.
    run.vae_trainer.set_latent_stats([train_seed(run.rng) for _ in range(32)])
    st["phase"] = "transformer"
    run.save()
    run.export()


def transformer_check(run: Run):
    """The held-out check of the transformer's EMA weights under the run's loss settings: a
    function that measures it, logs and records it, and returns the shape-weighted loss, on
    which the best export is picked."""
    st = run.state
    tokens = st.get("prompt_tokens", LOSS_SETTINGS["prompt_tokens"])
    run.flow.attach(PromptEncoder(tokens, run.device))
    val = run.flow.make_validation(held_out_seeds(16, 100))
    weight = st.get("shape_weight", LOSS_SETTINGS["shape_weight"])

    def check() -> float:
        plain, v, heard, colours = run.flow.validation_losses(val, weight)
        log.info(
            "held-out flow loss %.4f (shape-weighted %.4f; on the shapes %.3fx with the "
            "directions reversed, %.3fx recoloured) at step %d",
            plain,
            v,
            heard,
            colours,
            st["step"],
        )
        record = {"phase": "transformer", "step": st["step"], "val": plain, "weighted": v}
        st["history"].append(
            {**record, "reversed_over_true": heard, "recoloured_over_true": colours}
        )
        return v

    return check


def run_transformer_phase(run: Run, stop: dict) -> None:
    args, st = run.args, run.state
    phase = transformer_phase(args)
    if not phase.left(st):
        return
    # The best export is picked on the loss being trained: with a new shape weight, prompt
    # length or direction term the old best no longer compares, so the next held-out check sets
    # it afresh (a new reference or small-shape share leaves the held-out batch as it was).
    for key, before in LOSS_SETTINGS.items():
        value, now = getattr(args, key), st.get(key, before)
        if now != value:
            if now != before:
                # The card tells what it was before, and from when, as well as what it is now.
                st.setdefault(f"{key}_earlier", []).append([now, st.get(f"{key}_from_step", 0)])
            st.update({key: value, f"{key}_from_step": st["step"]})
            if key not in SAME_HELD_OUT_LOSS:
                st["best_val"] = math.inf

    run.flow.bf16 = args.bf16
    check = transformer_check(run)

    def evaluate() -> bool:
        v = check()
        if v >= st["best_val"]:
            return False
        st["best_val"] = v
        run.save()
        run.export()
        return True

    def step() -> float:
        return run.flow.step(args.batch, run.rng, st["step"], phase.fraction(st))

    train_phase(run, stop, phase, step, evaluate)
    if not stop["now"]:
        evaluate()


def run_decoder_phase(run: Run, stop: dict) -> None:
    args, st = run.args, run.state
    phase = decoder_phase(args)
    if not phase.left(st):
        return
    trainer = run.decoder_trainer

    def step() -> float:
        videos = [s.frames for s in run.feed.take(args.decoder_batch)]
        return trainer.step(videos, run.rng, st["decoder_step"], phase.fraction(st))

    evaluate = _vae_evaluator(run, trainer, "decoder", latent_stats=False)
    train_phase(run, stop, phase, step, evaluate)
    if not stop["now"]:
        evaluate()


def export_only(run: Run) -> int:
    """Export the checkpoint's weights with their own held-out loss, training nothing."""
    try:
        if not run.load():
            print(f"error: {run.path} does not exist: there is no run to export.", file=sys.stderr)
            return 2
        if run.state["phase"] != "vae":
            run.state["best_val"] = transformer_check(run)()
        run.export()
    finally:
        run.feed.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stdout,
    )
    for noisy in ("httpx", "transformers", "diffusers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    torch.set_num_threads(args.threads)
    # Under bfloat16 autocast the RMS norms get bfloat16 input and float32 weights, so torch
    # takes its unfused path and says so; the result is right, and it is known.
    warnings.filterwarnings("ignore", message="Mismatch dtype between input and weight")
    device = pick_device(args.device)
    if device.type == "cuda":
        # TensorFloat-32 matrix products and convolutions: for training, the speed is worth
        # the float32 mantissa bits they give up.
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    source = args.transformer_from
    if source is not None and not (source / "transformer" / "config.json").is_file():
        print(f"error: {source} has no transformer/config.json to start from.", file=sys.stderr)
        return 2
    if args.init_from is not None and not (args.init_from / "training.json").is_file():
        print(f"error: {args.init_from} has no training.json to go on from.", file=sys.stderr)
        return 2
    run = Run(args, device)
    if args.export_only:
        return export_only(run)
    if run.load():
        log.info(
            "resumed from %s: %s", run.path, {k: v for k, v in run.state.items() if k != "history"}
        )
    elif args.vae_from is not None:
        if not (args.vae_from / "vae" / "config.json").is_file():
            print(f"error: {args.vae_from} has no vae/config.json to start from.", file=sys.stderr)
            return 2
        try:
            run.vae_from(args.vae_from)
        except ValueError as e:
            print(f"error: cannot start from the VAE of {args.vae_from}: {e}.", file=sys.stderr)
            return 2
        log.info("VAE started from %s, re-laid out", args.vae_from)
    elif args.init_from is not None:
        run.init_from(args.init_from)
        log.info(
            "started from %s: %s",
            args.init_from,
            {k: v for k, v in run.state.items() if k != "history"},
        )
    if args.retrain_vae:
        # A new latent space invalidates the transformer: it starts again from scratch.
        run.state.update(
            phase="vae",
            vae_seconds=0.0,
            step=0,
            seconds=0.0,
            decoder_step=0,
            decoder_seconds=0.0,
            best_val=math.inf,
        )
        # The new transformer's loss settings and rates start with it (set at its phase's start;
        # the prompt length here too, as the VAE phase's export writes it); the VAE goes on from
        # its weights, so its record of rates stands.
        earlier = [f"{key}_earlier" for key in LOSS_SETTINGS]
        for key in (*LOSS_SETTINGS, *earlier, "transformer_from"):
            run.state.pop(key, None)
        run.state.update(prompt_tokens=args.prompt_tokens, prompt_tokens_from_step=0)
        run.state["learning_rates"] = [
            r for r in run.state.get("learning_rates", []) if r["phase"] == "vae"
        ]
        # Of the run's layout, which an --init-from folder may have set.
        config = dict(run.transformer.config)
        run.transformer = M.new_transformer(args.seed + 1, config).to(device)
        run.flow = new_flow_trainer(run.transformer, run.vae, args, device, run.feed)
    if source is not None and run.state["step"] == 0:
        # Against the run's own layout, which a checkpoint or --init-from folder may have set.
        differs = transformer_body_differs(source, dict(run.transformer.config))
        if differs:
            print(
                f"error: cannot start from the transformer of {source}: its body differs "
                f"({', '.join(differs)}).",
                file=sys.stderr,
            )
            return 2
        fresh = run.transformer_from(source)
        log.info("transformer started from %s; afresh: %s", source, fresh)
    stop = {"now": False}

    def on_signal(signum: int, frame: object) -> None:
        log.info("signal %d: saving and stopping", signum)
        stop["now"] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info("training on %s with %d threads", device, torch.get_num_threads())
    if args.carried:
        # Said before the first step: a resumed run does not fall back to the defaults.
        kept = ", ".join(f"--{k.replace('_', '-')} {v:g}" for k, v in args.carried.items())
        log.info("going on as the run was trained: %s (give a flag to change one)", kept)
    lines, cautions = plan(args, run.state)
    for line in lines:
        log.info("plan: %s", line)
    for caution in cautions:
        log.warning("%s", caution)
    try:
        if run.state["phase"] == "vae":
            run_vae_phase(run, stop)
        # Once the latent space is fixed, the decoder can be sharpened before, after or between
        # stretches of transformer training: each runs while its own budget lasts.
        if run.state["phase"] != "vae" and not stop["now"]:
            run_transformer_phase(run, stop)
        if run.state["phase"] != "vae" and not stop["now"]:
            run_decoder_phase(run, stop)
        run.save()
    finally:
        run.feed.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The training phases' budgets, and the plan a run logs before its first step."""

from __future__ import annotations

import argparse
import math

# Step budgets default to this: no limit in practice.
NO_STEP_LIMIT = 10**9


class Phase:
    """One training phase: its step and time counters in the run state, budgets and hooks."""

    def __init__(
        self,
        name: str,
        steps_key: str,
        seconds_key: str,
        max_steps: int,
        max_minutes: float,
        peak_lr: float,
    ) -> None:
        self.name = name
        self.steps_key = steps_key
        self.seconds_key = seconds_key
        self.max_steps = max_steps
        self.budget = max_minutes * 60
        self.peak_lr = peak_lr

    def left(self, st: dict) -> bool:
        return st[self.steps_key] < self.max_steps and st[self.seconds_key] < self.budget

    def fraction(self, st: dict) -> float:
        return max(st[self.steps_key] / self.max_steps, st[self.seconds_key] / self.budget)

    def note_peak_lr(self, st: dict) -> None:
        """Record the peak learning rate from this step on, when it differs from the phase's last.

        A phase may be resumed many times with different rates; the run keeps each one with the
        step it took over from, so the model card can say how the weights were trained.
        """
        record = st.setdefault("learning_rates", [])
        if latest_peak_lr(record, self.name) != self.peak_lr:
            record.append(
                {"phase": self.name, "from_step": st[self.steps_key], "peak_lr": self.peak_lr}
            )


def latest_peak_lr(rates: list[dict], phase: str) -> float | None:
    """The peak learning rate `phase` last ran at, in a run's record of rates (None: never)."""
    mine = [r["peak_lr"] for r in rates if r["phase"] == phase]
    return mine[-1] if mine else None


def vae_phase(args: argparse.Namespace) -> Phase:
    return Phase("vae", "vae_step", "vae_seconds", args.vae_steps, args.vae_minutes, args.vae_lr)


def transformer_phase(args: argparse.Namespace) -> Phase:
    return Phase("transformer", "step", "seconds", args.steps, args.transformer_minutes, args.lr)


def decoder_phase(args: argparse.Namespace) -> Phase:
    return Phase(
        "decoder",
        "decoder_step",
        "decoder_seconds",
        args.decoder_steps,
        args.decoder_minutes,
        args.decoder_lr,
    )


def _limits(phase: Phase) -> str:
    """'525.0 min or step 30000', or '' for a phase with no budget (it runs until Ctrl-C)."""
    limits = []
    if math.isfinite(phase.budget):
        limits.append(f"{phase.budget / 60:.1f} min")
    if phase.max_steps < NO_STEP_LIMIT:
        limits.append(f"step {phase.max_steps}")
    return " or ".join(limits)


def plan(args: argparse.Namespace, st: dict) -> tuple[list[str], list[str]]:
    """What this run will do with its budgets, a line per phase, and warnings about work that
    cannot happen. Budgets count the whole run, resumes included, so a resumed run with the
    default budgets may train a phase nobody meant to: the plan is logged before any step."""
    lines, cautions = [], []
    vae, transformer, decoder = vae_phase(args), transformer_phase(args), decoder_phase(args)
    for phase in (vae, transformer, decoder):
        steps, minutes = st[phase.steps_key], st[phase.seconds_key] / 60
        done = f"{phase.name}: {steps} steps, {minutes:.1f} min so far"
        if phase is vae and st["phase"] != "vae":
            lines.append(f"{done}; done")
        elif not phase.left(st):
            lines.append(f"{done}; nothing to do (its budget, {_limits(phase)}, is spent)")
        elif _limits(phase):
            lines.append(f"{done}; trains until {_limits(phase)}")
        else:
            lines.append(f"{done}; trains until stopped (no budget)")
    if decoder.left(st) and transformer.left(st) and not _limits(transformer):
        # A transformer already trained can be left as it is; a fresh one cannot.
        trained = st[transformer.steps_key] > 0
        alone = "; --transformer-minutes 0 trains the decoder alone" if trained else ""
        cautions.append(
            "the decoder phase will not run: it comes after the transformer's, which has no "
            f"budget (give --transformer-minutes or --steps{alone})"
        )
    return lines, cautions

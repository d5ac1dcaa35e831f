"""The demo trainer's run: its state, weights and trainers, the checkpoint file, the export.

The state is a plain dict saved with the weights: each phase's step and time counters, the best
held-out figures, the shape weight and prompt length with the step each took over from, the
peak learning rates each phase ran at, and the history of held-out checks.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
from pathlib import Path

import numpy as np
import torch

from studio.core.machine import cpu_name
from studio.demo import model as M
from studio.demo.feed import SampleFeed
from studio.demo.flow import EMA_DECAY, FlowTrainer
from studio.demo.phases import latest_peak_lr
from studio.demo.trainsteps import DecoderTrainer, VaeTrainer

log = logging.getLogger(__name__)

# Settings of the transformer's training (its loss, its clips, the span of its exported average),
# with what a record without one means. The run keeps each with the step it took over from
# ("shape_weight_from_step") and the values it had before with theirs ("shape_weight_earlier":
# [[value, from step], ...]), for the model card.
LOSS_SETTINGS: dict[str, float] = {
    "shape_weight": 0.0,
    "prompt_tokens": M.WAN_PROMPT_TOKENS,
    "direction_contrast": 0.0,
    "direction_min_sigma": 0.0,
    "reference_share": 0.0,
    "colour_contrast": 0.0,
    "small_share": 0.0,
    "ema_decay": EMA_DECAY,
}
# Of those, the ones that leave the held-out loss as it was (its batch is fixed and has no
# reference images; the average is measured on the same loss), so a run that changes them goes
# on comparing its exports against the best.
SAME_HELD_OUT_LOSS = ("reference_share", "small_share", "ema_decay")

# What a new run trains with where the command line is silent. A run that goes on (from its
# checkpoint or an --init-from folder) keeps what it was trained with instead: the loss
# settings, and each phase's latest peak learning rate (the phase is named here).
NEW_RUN: dict[str, float] = {
    "vae_lr": 4e-5,
    "lr": 5e-4,
    "decoder_lr": 3e-4,
    "shape_weight": 4.0,
    "prompt_tokens": M.PROMPT_TOKENS,
    "direction_contrast": 0.0,
    "direction_min_sigma": 0.0,
    "reference_share": 0.4,
    "colour_contrast": 0.0,
    "small_share": 0.0,
    "ema_decay": EMA_DECAY,
}
RATE_PHASES = {"vae_lr": "vae", "lr": "transformer", "decoder_lr": "decoder"}


def record_to_go_on_from(args: argparse.Namespace) -> dict:
    """The record a run continues, as `main` picks it: its checkpoint's state, else (unless the
    VAE starts from another folder) the --init-from folder's training.json, else none."""
    path = args.out / "checkpoint.pt"
    if path.is_file():
        ck = torch.load(path, map_location="cpu", weights_only=False, mmap=True)
        return ck["state"]
    stats = None if args.init_from is None else args.init_from / "training.json"
    if args.vae_from is None and stats is not None and stats.is_file():
        return json.loads(stats.read_text())
    return {}


def carry_settings(args: argparse.Namespace) -> dict[str, float]:
    """Give every `NEW_RUN` setting the command line left out (None) the value the run was
    trained with, or the new-run default; returns those taken from the run's record.

    A retrained VAE restarts the transformer and the decoder: only the VAE's rate goes on."""
    record = record_to_go_on_from(args)
    carried = {}
    for key, default in NEW_RUN.items():
        if getattr(args, key) is not None:
            continue
        value = None if args.retrain_vae and key != "vae_lr" else _recorded(record, key)
        setattr(args, key, default if value is None else value)
        if value is not None:
            carried[key] = value
    return carried


def _recorded(record: dict, key: str) -> float | None:
    if key in RATE_PHASES:
        return latest_peak_lr(record.get("learning_rates", []), RATE_PHASES[key])
    return record.get(key)


# The transformer's layers that read or write latents: with another latent layout (channels,
# patch) they mean something else, so `transformer_from` leaves them as initialised.
LATENT_LAYERS = ("patch_embedding.", "vace_patch_embedding.", "proj_out.")
# Config keys a transformer must share with this one's for `transformer_from`.
TRANSFORMER_BODY = (
    "num_attention_heads",
    "attention_head_dim",
    "ffn_dim",
    "num_layers",
    "text_dim",
    "freq_dim",
    "vace_layers",
)


def transformer_body_differs(folder: Path, config: dict) -> list[str]:
    """The `TRANSFORMER_BODY` keys in which `folder`'s transformer differs from `config`."""
    theirs = json.loads((folder / "transformer" / "config.json").read_text())
    return [k for k in TRANSFORMER_BODY if theirs.get(k) != config.get(k)]


class Run:
    """The training state and its checkpoint file."""

    def __init__(self, args: argparse.Namespace, device: torch.device) -> None:
        self.args = args
        self.device = device
        self.path = args.out / "checkpoint.pt"
        # Every phase's training clips, in one sequence the checkpoint keeps its place in.
        self.feed = SampleFeed(args.seed, args.workers, small_share=args.small_share)
        self.use(M.new_vae(args.seed), M.new_transformer(args.seed + 1))
        self.state = {
            "phase": "vae",
            "vae_step": 0,
            "vae_seconds": 0.0,
            "step": 0,
            "seconds": 0.0,
            "decoder_step": 0,
            "decoder_seconds": 0.0,
            "best_psnr": -1.0,
            "best_val": math.inf,
            "prompt_tokens": args.prompt_tokens,
            "prompt_tokens_from_step": 0,
            "history": [],
        }
        self.rng = np.random.default_rng(args.seed)

    def use(self, vae: torch.nn.Module, transformer: torch.nn.Module) -> None:
        """Train these models (and new optimisers for them)."""
        args, device = self.args, self.device
        self.vae = vae.to(device)
        self.transformer = transformer.to(device)
        self.vae_trainer = VaeTrainer(self.vae, args.vae_lr, device)
        self.flow = new_flow_trainer(self.transformer, self.vae, args, device, self.feed)
        self.decoder_trainer = DecoderTrainer(self.vae, args.decoder_lr, device)

    def load(self) -> bool:
        if not self.path.is_file():
            return False
        ck = torch.load(self.path, map_location=self.device, weights_only=False)
        if "vae_config" in ck:
            # A run keeps the layout it began with (an --init-from folder's may be older).
            from diffusers import AutoencoderKLWan, WanVACETransformer3DModel

            self.use(
                AutoencoderKLWan.from_config(ck["vae_config"]),
                WanVACETransformer3DModel.from_config(ck["transformer_config"]),
            )
        self.vae.load_state_dict(ck["vae"])
        self.vae.register_to_config(latents_mean=ck["latents_mean"], latents_std=ck["latents_std"])
        self.vae_trainer.load_state_dict(ck["vae_trainer"])
        self.transformer.load_state_dict(ck["transformer"])
        self.flow.load_state_dict(ck["flow"])
        # Older checkpoints have no decoder counters, and trained on Wan's prompt padding.
        self.state.update(prompt_tokens=M.WAN_PROMPT_TOKENS, prompt_tokens_from_step=0)
        self.state.update(ck["state"])
        if "decoder_trainer" in ck:
            self.decoder_trainer.load_state_dict(ck["decoder_trainer"])
        self.rng.bit_generator.state = ck["rng"]
        torch.set_rng_state(ck["torch_rng"])
        self.feed.seek(self.state.get("samples_taken", 0))
        return True

    def init_from(self, folder: Path) -> None:
        """Weights and progress from an exported folder; optimisers start fresh."""
        from diffusers import AutoencoderKLWan, WanVACETransformer3DModel

        # The folder's layout, which may be older than `model.py`'s, goes on being trained.
        self.use(
            AutoencoderKLWan.from_pretrained(folder / "vae", use_safetensors=True),
            WanVACETransformer3DModel.from_pretrained(folder / "transformer", use_safetensors=True),
        )
        stats = json.loads((folder / "training.json").read_text())
        self.state.update(
            phase=stats.get("phase", "transformer" if stats["transformer_steps"] > 0 else "vae"),
            vae_step=stats["vae_steps"],
            vae_seconds=stats["vae_minutes"] * 60,
            step=stats["transformer_steps"],
            seconds=stats["transformer_minutes"] * 60,
            decoder_step=stats.get("decoder_steps", 0),
            decoder_seconds=stats.get("decoder_minutes", 0.0) * 60,
            best_psnr=stats["best_vae_psnr"],
            # The held-out set is the same in every run, so a run goes on exporting only
            # weights better than the folder's.
            best_val=stats.get("best_val_loss") or math.inf,
            learning_rates=stats.get("learning_rates", []),
        )
        # How the weights were trained goes on in the new run's record, not from its first step.
        for key, default in LOSS_SETTINGS.items():
            self.state[key] = stats.get(key, default)
            self.state[f"{key}_from_step"] = stats.get(f"{key}_from_step", 0)
            if stats.get(f"{key}_earlier"):
                self.state[f"{key}_earlier"] = stats[f"{key}_earlier"]
        self.flow.ema_steps = stats["transformer_steps"]

    def vae_from(self, folder: Path) -> None:
        """Start the VAE phase from another folder's VAE, re-laid out to this trainer's layout
        (see `vae_surgery`); the transformer and everything after start afresh."""
        from diffusers import AutoencoderKLWan

        from studio.demo.data import to_tensor
        from studio.demo.feed import train_seed
        from studio.demo.scenes import make_scene, render
        from studio.demo.vae_surgery import relayout

        old = AutoencoderKLWan.from_pretrained(folder / "vae", use_safetensors=True).eval()
        frames = torch.stack(
            [to_tensor(render(make_scene(train_seed(self.rng)), frames=1)) for _ in range(64)]
        )
        self.vae.load_state_dict(relayout(old, M.VAE_CONFIG, frames).state_dict())
        self.state["vae_from"] = str(folder)

    def transformer_from(self, folder: Path) -> list[str]:
        """Start the transformer from another folder's, which may have another latent layout:
        its blocks, its text and time embedders and its output norm carry over wherever the
        shapes agree (`transformer_body_differs` says whether they can); the layers in
        `LATENT_LAYERS` stay as initialised. Returns the names of those left as they were."""
        from diffusers import WanVACETransformer3DModel

        theirs = WanVACETransformer3DModel.from_pretrained(
            folder / "transformer", use_safetensors=True
        ).state_dict()
        mine = self.transformer.state_dict()
        carried = {
            name: value
            for name, value in theirs.items()
            if name in mine
            and value.shape == mine[name].shape
            and not name.startswith(LATENT_LAYERS)
        }
        self.transformer.load_state_dict(carried, strict=False)
        self.flow.ema.load_state_dict(self.transformer.state_dict())
        self.state["transformer_from"] = str(folder)
        return [name for name in mine if name not in carried]

    def save(self) -> None:
        self.args.out.mkdir(parents=True, exist_ok=True)
        self.state["samples_taken"] = self.feed.taken
        ck = {
            "vae_config": dict(self.vae.config),
            "transformer_config": dict(self.transformer.config),
            "vae": self.vae.state_dict(),
            "latents_mean": list(self.vae.config.latents_mean),
            "latents_std": list(self.vae.config.latents_std),
            "vae_trainer": self.vae_trainer.state_dict(),
            "transformer": self.transformer.state_dict(),
            "flow": self.flow.state_dict(),
            "decoder_trainer": self.decoder_trainer.state_dict(),
            "state": self.state,
            "rng": self.rng.bit_generator.state,
            "torch_rng": torch.get_rng_state(),
        }
        tmp = self.path.with_suffix(".tmp")
        torch.save(ck, tmp)
        os.replace(tmp, self.path)
        log.info("checkpoint saved at %s", self.path)

    def export(self) -> None:
        best_val = self.state["best_val"]
        stats = {
            "phase": self.state["phase"],
            "vae_steps": self.state["vae_step"],
            "vae_minutes": round(self.state["vae_seconds"] / 60, 1),
            "transformer_steps": self.state["step"],
            "transformer_minutes": round(self.state["seconds"] / 60, 1),
            "decoder_steps": self.state["decoder_step"],
            "decoder_minutes": round(self.state["decoder_seconds"] / 60, 1),
            "vae_batch": self.args.vae_batch,
            "decoder_batch": self.args.decoder_batch,
            "batch": self.args.batch,
            "learning_rates": self.state.get("learning_rates", []),
            "device": str(self.device),
            "hardware": f"{cpu_name()}, {os.cpu_count()} cores, {torch.get_num_threads()} threads",
            "best_vae_psnr": self.state["best_psnr"],
            "vae_from": self.state.get("vae_from"),
            "transformer_from": self.state.get("transformer_from"),
            # None until the transformer has had a held-out check (JSON has no infinity).
            "best_val_loss": best_val if math.isfinite(best_val) else None,
        }
        for key, default in LOSS_SETTINGS.items():
            stats[key] = self.state.get(key, default)
            stats[f"{key}_from_step"] = self.state.get(f"{key}_from_step", 0)
            if self.state.get(f"{key}_earlier"):
                stats[f"{key}_earlier"] = self.state[f"{key}_earlier"]
        text = json.dumps(stats, indent=2) + "\n"
        M.export_folder(
            self.vae,
            self.flow.ema_model(),
            self.args.export,
            extra={"training.json": text},
            prompt_tokens=self.state["prompt_tokens"],
            extend_back_reference=self.state.get("reference_share", 0.0) > 0,
        )
        self.args.out.mkdir(parents=True, exist_ok=True)
        (self.args.out / "training.json").write_text(text)
        log.info("exported to %s (%s)", self.args.export, stats)


def new_flow_trainer(
    transformer: torch.nn.Module,
    vae: torch.nn.Module,
    args: argparse.Namespace,
    device: torch.device,
    feed: SampleFeed,
) -> FlowTrainer:
    return FlowTrainer(
        transformer,
        vae,
        args.lr,
        device,
        args.shape_weight,
        args.direction_contrast,
        direction_min_sigma=args.direction_min_sigma,
        feed=feed,
        reference_share=args.reference_share,
        colour_contrast=args.colour_contrast,
        ema_decay=args.ema_decay,
    )

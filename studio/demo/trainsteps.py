"""One optimisation step of the VAE phases, with their optimisers and held-out checks, and the
schedule helpers every phase shares (the transformer's steps are in `flow`).

VAE: L1 + MSE reconstruction, mostly on short 5-frame clips cropped to 32x32 (the model is
causal and convolutional, so it transfers; see `VaeTrainer.step` for the mix), some with grey
tails like the pipeline's "inactive" conditioning videos. Decoder: the same loss on whole frames
with the encoder frozen, so the latent space (and the transformer trained on it) stays valid.
"""

from __future__ import annotations

import logging
import math

import numpy as np
import torch
import torch.nn.functional as F
from diffusers import AutoencoderKLWan

from studio.demo.data import to_tensor, to_tensors
from studio.demo.scenes import FRAMES, make_scene, render

log = logging.getLogger(__name__)


def optimiser_steps(opt: torch.optim.Optimizer) -> int:
    """Steps the optimiser has taken by its own count: a checkpoint keeps it, a run started
    from an exported folder begins at 0."""
    for state in opt.state.values():
        if "step" in state:
            return int(state["step"])
    return 0


def set_lr(opt: torch.optim.Optimizer, peak: float, step: int, frac: float, warmup: int) -> None:
    """Warm up over `warmup` steps, then a cosine from the peak down to a tenth of it.

    `frac` is how much of the phase's budget is spent, so a phase resumed with a larger budget
    goes on from a higher rate again. The warm-up counts the optimiser's own steps too: a fresh
    Adam on trained weights (a run going on from an exported folder) has no second moments yet,
    and its first updates are a full learning rate on every weight, noise included.
    """
    lr = (
        peak
        * min(1.0, (min(step, optimiser_steps(opt)) + 1) / warmup)
        * (0.1 + 0.45 * (1 + math.cos(math.pi * min(frac, 1.0))))
    )
    for group in opt.param_groups:
        group["lr"] = lr


def gaussian(
    shape: tuple[int, ...], rng: np.random.Generator, device: torch.device
) -> torch.Tensor:
    """Standard normal noise made on `device` (numpy's is too slow for a GPU's batches), seeded
    from `rng` so a run stays reproducible."""
    gen = torch.Generator(device).manual_seed(int(rng.integers(1 << 62)))
    return torch.randn(shape, generator=gen, device=device)


def psnr(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean PSNR (dB) over videos in [-1, 1], measured on 8-bit values like a decoded file."""
    qa = a.clamp(-1, 1).add(1).mul(127.5).round()
    qb = b.clamp(-1, 1).add(1).mul(127.5).round()
    mse = (qa - qb).pow(2).flatten(1).mean(1).clamp_min(1e-6)
    return float((10 * torch.log10(255.0**2 / mse)).mean())


class VaeTrainer:
    NOISE = 0.05  # latent jitter, in units of each channel's spread (see `_jitter`)

    def __init__(self, vae: AutoencoderKLWan, lr: float, device: torch.device) -> None:
        self.vae = vae
        self.lr = lr
        self.device = device
        self.opt = torch.optim.AdamW(self._trained(vae), lr=lr, betas=(0.9, 0.99), weight_decay=0.0)

    def _trained(self, vae: AutoencoderKLWan) -> list[torch.nn.Parameter]:
        """The parameters this phase optimises: the whole VAE."""
        return list(vae.parameters())

    def state_dict(self) -> dict:
        return {"opt": self.opt.state_dict()}

    def load_state_dict(self, sd: dict) -> None:
        self.opt.load_state_dict(sd["opt"])

    def _clips(
        self, videos: list[np.ndarray], rng: np.random.Generator, crop: int, frames: int = FRAMES
    ) -> torch.Tensor:
        """Clips of `frames` frames from a random start, cropped to `crop` pixels square."""
        clips = []
        for video in videos:
            clip = to_tensor(video)
            start = int(rng.integers(0, clip.shape[1] - frames + 1))
            clip = clip[:, start : start + frames]
            if crop < clip.shape[-1]:
                y, x = (int(v) for v in rng.integers(0, clip.shape[-1] - crop + 1, size=2))
                clip = clip[..., y : y + crop, x : x + crop]
            r = rng.random()
            if r < 0.1:
                clip[:, int(rng.integers(1, frames)) :] = 0.0  # pinned head, grey tail
            elif r < 0.2:
                clip[:, : int(rng.integers(1, frames))] = 0.0  # grey head, pinned tail
            clips.append(clip.contiguous())
        return torch.stack(clips).to(self.device)

    def _set_lr(self, step: int, frac: float) -> None:
        set_lr(self.opt, self.lr, step, frac, warmup=100)

    def _optimise(self, y: torch.Tensor, x: torch.Tensor, z: torch.Tensor) -> float:
        loss = F.l1_loss(y, x) + F.mse_loss(y, x) + 1e-6 * z.pow(2).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        params = [p for group in self.opt.param_groups for p in group["params"]]
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        self.opt.step()
        return float(loss.detach())

    def step(
        self, videos: list[np.ndarray], rng: np.random.Generator, step: int, frac: float
    ) -> float:
        """One step on rendered uint8 (F, H, W, 3) clips."""
        self.vae.train()
        self._set_lr(step, frac)
        # What the VAE must learn first (colour, edges, shapes) is the same in every frame, and
        # optimiser steps matter more than clip length: most steps take short 5-frame clips
        # (the first frame, which Wan's encoder codes alone, and one 4-frame chunk) cropped to
        # 32x32. Two steps in eight take whole 17-frame clips, so frames deep in a clip are
        # trained with the causal context they meet at inference (without it they fade), and
        # one takes whole 64x64 frames, so the mid attention block learns the full size.
        kind = step % 8
        if kind in (3, 6):
            x = self._clips(videos[: max(1, len(videos) // 2)], rng, 32)
        elif kind == 7:
            x = self._clips(videos[: max(1, len(videos) // 2)], rng, 64, frames=5)
        else:
            x = self._clips(videos, rng, 32, frames=5)
        z = self.vae.encode(x).latent_dist.mode()
        return self._optimise(self.vae.decode(self._jitter(z, rng)).sample, x, z)

    def _jitter(self, z: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
        """Latents with noise of NOISE times each channel's spread: the transformer never makes
        exact latents, and a decoder that tolerates small errors turns them into clean frames."""
        std = z.detach().std(dim=(0, 2, 3, 4), keepdim=True)
        return z + self.NOISE * std * gaussian(z.shape, rng, z.device)

    @torch.no_grad()
    def psnr(self, seeds: list[int]) -> float:
        self.vae.eval()
        x = to_tensors([render(make_scene(s)) for s in seeds], self.device)
        y = self.vae.decode(self.vae.encode(x).latent_dist.mode()).sample
        return psnr(y, x)

    @torch.no_grad()
    def set_latent_stats(self, seeds: list[int]) -> None:
        """Per-channel mean and std of the latents, so the transformer sees unit-scale latents."""
        self.vae.eval()
        x = to_tensors([render(make_scene(s)) for s in seeds], self.device)
        z = self.vae.encode(x).latent_dist.mode().float()
        mean = z.mean(dim=(0, 2, 3, 4))
        std = z.std(dim=(0, 2, 3, 4)).clamp_min(1e-3)
        self.vae.register_to_config(latents_mean=mean.tolist(), latents_std=std.tolist())
        log.info(
            "latent stats: mean %s std %s",
            [round(v, 3) for v in mean.tolist()],
            [round(v, 3) for v in std.tolist()],
        )


class DecoderTrainer(VaeTrainer):
    """Fine-tunes the VAE decoder with the encoder frozen, so the latent space stays the same.

    The transformer is trained on the encoder's latents; a better decoder sharpens every frame
    the model makes (and the pinned ones) without invalidating it, so this phase may run
    before, after or between transformer training.
    """

    def _trained(self, vae: AutoencoderKLWan) -> list[torch.nn.Parameter]:
        return [*vae.decoder.parameters(), *vae.post_quant_conv.parameters()]

    def step(
        self, videos: list[np.ndarray], rng: np.random.Generator, step: int, frac: float
    ) -> float:
        self._set_lr(step, frac)
        x = to_tensors(videos, self.device)
        self.vae.encoder.eval()
        with torch.no_grad():
            z = self._jitter(self.vae.encode(x).latent_dist.mode(), rng)
        # The transformer phase freezes the whole VAE; this phase thaws the decoder again.
        self.vae.decoder.train().requires_grad_(True)
        self.vae.post_quant_conv.requires_grad_(True)
        return self._optimise(self.vae.decode(z).sample, x, z)

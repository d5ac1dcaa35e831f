"""The transformer phase's step: Wan's flow matching (x_t = (1 - s) x0 + s noise, the model
predicts noise - x0 at timestep 1000 s) with VACE conditioning built exactly as WanVACEPipeline
builds it, the latents the shapes touch optionally weighted more, an EMA of the weights, and a
replay buffer of encoded samples so each VAE encode feeds about eight steps. The rendered samples
come from a `SampleFeed`, which can draw them ahead in worker processes.
"""

from __future__ import annotations

import copy
import logging

import numpy as np
import torch
import torch.nn.functional as F
from diffusers import AutoencoderKLWan, WanVACETransformer3DModel

from studio.demo import model as M
from studio.demo.data import PromptEncoder, pin_batch, pin_flags, to_tensors
from studio.demo.feed import Sample, SampleFeed, make_sample
from studio.demo.trainsteps import gaussian, set_lr
from studio.demo.vace import compression, encode, fold_mask, frame_mask, reference_slot

log = logging.getLogger(__name__)


# Shape masks grow by this many pixels before pooling, so the latents holding a shape's soft
# edge count as the shape's (a fixed margin in pixels, whatever the VAE's stride).
SHAPE_MARGIN = 4
# The weight average's decay per step until a run says otherwise (a span of about 500 steps).
EMA_DECAY = 0.998


def latent_shape_masks(masks: np.ndarray, spatial: int, temporal: int) -> torch.Tensor:
    """Which latents a shape touches, (B, 1, f, h, w) in {0, 1}, from the pixel masks (B, F, H,
    W): the shape pixels grown by SHAPE_MARGIN, pooled as the VAE groups frames (the first alone,
    then `temporal` at a time) and pixels (`spatial` square)."""
    px = torch.from_numpy(masks).float()[:, None]
    k = 2 * SHAPE_MARGIN + 1
    px = F.max_pool3d(px, kernel_size=(1, k, k), stride=1, padding=(0, SHAPE_MARGIN, SHAPE_MARGIN))
    if temporal > 1:
        px = torch.cat([px[:, :, :1].expand(-1, -1, temporal - 1, -1, -1), px], dim=2)
    return F.max_pool3d(px, kernel_size=(temporal, spatial, spatial))


class FlowTrainer:
    # Encoded samples kept for replay, per sample of the batch (384 at a CPU's batch of 8).
    BUFFER_PER_BATCH_SAMPLE = 48
    TEXT_DROP = 0.1
    # The direction term asks the reversed caption's error to exceed the true one's by this share.
    DIRECTION_MARGIN = 0.1
    # The colour term asks the same of the caption with each shape in its nearest other colour;
    # small shapes' errors rise about half as much as large ones' with such a caption (10% vs 23%).
    COLOUR_MARGIN = 0.2
    # Each contrast term: the trainer's weight for it, the sample's wrong caption, its margin.
    CONTRASTS = (
        ("direction_contrast", "reversed", DIRECTION_MARGIN),
        ("colour_contrast", "recoloured", COLOUR_MARGIN),
    )

    def __init__(
        self,
        transformer: WanVACETransformer3DModel,
        vae: AutoencoderKLWan,
        lr: float,
        device: torch.device,
        shape_weight: float = 0.0,
        direction_contrast: float = 0.0,
        direction_min_sigma: float = 0.0,
        feed: SampleFeed | None = None,
        reference_share: float = 0.0,
        colour_contrast: float = 0.0,
        ema_decay: float = EMA_DECAY,
    ) -> None:
        self.transformer = transformer
        self.feed = feed if feed is not None else SampleFeed(0)
        # Shapes cover a few percent of a frame, so a plain mean spends most of the loss on the
        # backgrounds, which the model learns first, while the colour, place and motion that the
        # prompt asks for live on the shapes. Latents a shape touches weigh 1 + shape_weight in
        # training steps; the held-out loss stays the plain mean, comparable across runs.
        self.shape_weight = shape_weight
        # A direction word changes one token's state where a colour word changes every token's,
        # and the flow loss alone taught the model colours but not directions: after 22k steps,
        # reversing a caption's directions changed the error on the shapes by under 0.5% (a
        # colour swap by 15-20%). With direction_contrast > 0, half of each batch also runs with
        # the caption's directions reversed (a true caption of another clip), and a hinge of that
        # weight asks the error on the shapes to be DIRECTION_MARGIN higher than with the truth.
        self.direction_contrast = direction_contrast
        # Below some noise level x_t itself shows which way the shapes move and the caption has
        # nothing left to decide; there the term would only teach the model to spoil its
        # prediction when the words disagree with what it sees. It applies from this sigma up.
        self.direction_min_sigma = direction_min_sigma
        # The model hears colour words, but on small shapes it still draws a neighbouring colour
        # (yellow as orange, purple as blue). With colour_contrast > 0 the same samples also run
        # with each shape in its nearest other colour, and a hinge of that weight asks the error on
        # the shapes to be COLOUR_MARGIN higher than with the truth (from the same noise level).
        self.colour_contrast = colour_contrast
        # Extending back, the pins sit after empty frames, and the causal VAE codes them there
        # by little more than their brightness (navy and dark green come out nearly the same),
        # so the model cannot read their background from them. A reference image is coded
        # alone, like a first frame, and keeps every hue: this share of batches pins the last
        # frames and passes the first pinned one as the pipeline's `reference_images`, as the
        # engine does when extending back with a folder that says it was trained so.
        self.reference_share = reference_share
        self.vae = vae
        self.lr = lr
        self.device = device
        self.opt = torch.optim.AdamW(
            transformer.parameters(), lr=lr, betas=(0.9, 0.99), weight_decay=0.01
        )
        self.bf16 = False
        self.ema = copy.deepcopy(transformer).eval().requires_grad_(False)
        self.ema_steps = 0
        # The exported weights are this average: each step moves it 1 - ema_decay of the way to
        # the trained weights, so it spans about 1 / (1 - ema_decay) steps. Late in a run the
        # weights wander between checkpoints as much as they improve; a longer span smooths that.
        self.ema_decay = ema_decay
        self.prompts: PromptEncoder | None = None
        # Encoded samples for replay: with a reference image (one latent frame more) and without.
        self.buffers: dict[bool, list[dict]] = {False: [], True: []}
        self._reactive: torch.Tensor | None = None

    def state_dict(self) -> dict:
        return {
            "opt": self.opt.state_dict(),
            "ema": self.ema.state_dict(),
            "ema_steps": self.ema_steps,
        }

    def load_state_dict(self, sd: dict) -> None:
        self.opt.load_state_dict(sd["opt"])
        self.ema.load_state_dict(sd["ema"])
        self.ema_steps = sd["ema_steps"]

    def ema_model(self) -> WanVACETransformer3DModel:
        return self.ema

    def attach(self, prompts: PromptEncoder) -> None:
        self.prompts = prompts
        self.vae.eval().requires_grad_(False)

    @torch.no_grad()
    def _encode_samples(
        self, seeds: list[int], rng: np.random.Generator, flags: torch.Tensor | None = None
    ) -> list[dict]:
        """The samples of scenes `seeds`, each with a random caption phrasing, encoded."""
        return self._encode([make_sample(s, int(rng.integers(1 << 30))) for s in seeds], rng, flags)

    @torch.no_grad()
    def _encode(
        self,
        samples: list[Sample],
        rng: np.random.Generator,
        flags: torch.Tensor | None = None,
        reference: bool = False,
    ) -> list[dict]:
        """Latents, VACE control and shape masks of rendered samples, on the trainer's device,
        with random pins unless `flags` (B, F) says which frames are generated (1) or pinned.
        With `reference`, the last frames are pinned (unless `flags` says otherwise) and the
        first pinned frame is the reference image, in the slot before the latents."""
        videos = to_tensors([s.frames for s in samples], self.device)
        if flags is None and reference:
            flags = torch.from_numpy(
                np.stack([pin_flags("last_k", videos.shape[2], rng) for _ in samples])
            )
        elif flags is None:
            flags, _ = pin_batch(len(samples), rng, videos.shape[2])
        gen = flags.to(self.device)
        mask = frame_mask(gen, videos.shape[-2], videos.shape[-1])
        # The conditioning video holds the pins and mid-grey (0) elsewhere.
        cond = videos * (1 - mask)
        if self._reactive is None:
            # reactive = video * mask is all grey whatever the pins: one encode serves every
            # sample, and every sample with nothing pinned, whose inactive video is grey too.
            self._reactive = encode(self.vae, torch.zeros_like(videos[:1]))
        n = len(samples)
        # Read on the host: a test per sample on the device would wait for it each time.
        pinned = [i for i in range(n) if bool((flags[i] < 0.5).any())]
        both = encode(self.vae, torch.cat([videos, cond[pinned]]))
        x0 = both[:n]
        inactive = self._reactive.expand_as(x0).clone()
        inactive[pinned] = both[n:]
        reactive = self._reactive.expand_as(inactive)
        spatial, temporal = compression(self.vae)
        patch = self.transformer.config.patch_size[1]
        folded = fold_mask(mask, spatial, patch, temporal)
        control = torch.cat([inactive, reactive, folded], dim=1)
        pixels = np.stack([s.shapes for s in samples])
        shapes = latent_shape_masks(pixels, spatial, temporal).to(self.device)
        if reference:
            first = (flags < 0.5).float().argmax(dim=1).tolist()
            images = torch.stack([videos[i, :, t] for i, t in enumerate(first)])
            latent, slot = reference_slot(self.vae, images, folded.shape[1])
            x0 = torch.cat([latent, x0], dim=2)
            control = torch.cat([slot, control], dim=2)
            shapes = torch.cat([torch.zeros_like(shapes[:, :, :1]), shapes], dim=2)
        return [
            {
                "x0": x0[i],
                "control": control[i],
                "text": samples[i].text,
                "reversed": samples[i].reversed,
                "recoloured": samples[i].recoloured,
                "shapes": shapes[i],
            }
            for i in range(n)
        ]

    def _fill(self, n: int, rng: np.random.Generator, keep: int, reference: bool) -> list[dict]:
        """Encode `n` new samples from the feed into their buffer, which keeps the last `keep`."""
        buffer = self.buffers[reference]
        buffer.extend(self._encode(self.feed.take(n), rng, reference=reference))
        if len(buffer) > keep:
            del buffer[: len(buffer) - keep]
        return buffer

    def _sigmas(self, n: int, rng: np.random.Generator) -> torch.Tensor:
        u = torch.from_numpy(rng.random(n)).float()
        # Mostly the shifted schedule the sampler uses (shift 3), some plain uniform for coverage.
        shift = M.SCHEDULER_CONFIG["flow_shift"]
        shifted = shift * u / (1 + (shift - 1) * u)
        pick = torch.from_numpy(rng.random(n) < 0.7)
        return torch.where(pick, shifted, u).clamp(1e-3, 1.0)

    def _errors(
        self,
        model: WanVACETransformer3DModel,
        batch: list[dict],
        sigmas: torch.Tensor,
        noise: torch.Tensor,
        texts: list[str],
    ) -> torch.Tensor:
        """Squared flow error per latent, averaged over channels: (B, 1, f, h, w)."""
        assert self.prompts is not None
        x0 = torch.stack([b["x0"] for b in batch]).to(self.device)
        control = torch.stack([b["control"] for b in batch]).to(self.device)
        s = sigmas.to(self.device).view(-1, 1, 1, 1, 1)
        xt = (1 - s) * x0 + s * noise
        target = noise - x0
        text = self.prompts.batch(texts)
        # bfloat16 autocast (when asked for, in training steps only) keeps float32 weights.
        with torch.autocast(self.device.type, torch.bfloat16, enabled=self.bf16 and model.training):
            pred = model(
                hidden_states=xt,
                timestep=sigmas.to(self.device) * 1000,
                encoder_hidden_states=text,
                control_hidden_states=control,
                return_dict=False,
            )[0]
        return (pred.float() - target).pow(2).mean(dim=1, keepdim=True)

    def _weighted(
        self, errors: torch.Tensor, batch: list[dict], shape_weight: float
    ) -> torch.Tensor:
        """The mean of per-latent errors with the shape latents counted 1 + shape_weight times
        (shape_weight 0: the plain mean)."""
        shapes = torch.stack([b["shapes"] for b in batch]).to(errors.device)
        weight = 1.0 + shape_weight * shapes
        return (weight * errors).sum() / weight.sum()

    @staticmethod
    def fresh(batch_size: int) -> int:
        """New samples per step: one per 8 in the batch. Encoding a sample (its clip and its
        conditioning) costs about half a training step, so each is reused about 8 times."""
        return max(1, batch_size // 8)

    def step(self, batch_size: int, rng: np.random.Generator, step: int, frac: float) -> float:
        keep = self.BUFFER_PER_BATCH_SAMPLE * batch_size
        # A whole batch has a reference image or none: their latents differ in length.
        reference = self.reference_share > 0 and rng.random() < self.reference_share
        buffer = self.buffers[reference]
        if len(buffer) < 4 * batch_size:
            self._fill(4 * batch_size - len(buffer), rng, keep, reference)
        buffer = self._fill(self.fresh(batch_size), rng, keep, reference)
        self.transformer.train()
        # The newest samples always train once; the rest come from the buffer.
        fresh = buffer[-self.fresh(batch_size) :]
        older = [buffer[int(i)] for i in rng.integers(0, len(buffer), batch_size - len(fresh))]
        batch = fresh + older
        texts = ["" if rng.random() < self.TEXT_DROP else b["text"] for b in batch]
        sigmas = self._sigmas(len(batch), rng)
        noise = gaussian((len(batch), *batch[0]["x0"].shape), rng, self.device)
        set_lr(self.opt, self.lr, step, frac, warmup=200)
        errors = self._errors(self.transformer, batch, sigmas, noise, texts)
        loss = self._weighted(errors, batch, self.shape_weight)
        for setting, key, margin in self.CONTRASTS:
            weight = getattr(self, setting)
            if weight > 0:
                hinge = self.contrast_hinge(errors, batch, sigmas, noise, texts, key, margin)
                loss = loss + weight * hinge
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.transformer.parameters(), 1.0)
        self.opt.step()
        self._update_ema()
        return float(loss.detach())

    def contrast_hinge(
        self,
        errors: torch.Tensor,
        batch: list[dict],
        sigmas: torch.Tensor,
        noise: torch.Tensor,
        texts: list[str],
        key: str,
        margin: float,
    ) -> torch.Tensor:
        """Mean over half the captioned samples of relu((1 + margin) * e_true - e_wrong), where
        e is the mean flow error on the latents the shapes touch, `errors` are the true ones and
        the wrong caption is each sample's `key` ("reversed" directions or "recoloured" shapes).
        Samples noised less than `direction_min_sigma` are left out."""
        pick = [
            i
            for i, text in enumerate(texts)
            if text and float(sigmas[i]) >= self.direction_min_sigma
        ][: max(1, len(batch) // 2)]
        if not pick:
            return errors.new_zeros(())
        sub = [batch[i] for i in pick]
        wrong = self._errors(
            self.transformer, sub, sigmas[pick], noise[pick], [b[key] for b in sub]
        )
        e_true, e_wrong = _on_shapes(errors[pick], sub), _on_shapes(wrong, sub)
        return F.relu((1 + margin) * e_true - e_wrong).mean()

    @torch.no_grad()
    def _update_ema(self) -> None:
        self.ema_steps += 1
        decay = min(self.ema_decay, (1 + self.ema_steps) / (10 + self.ema_steps))
        for e, p in zip(self.ema.parameters(), self.transformer.parameters()):
            e.lerp_(p.detach(), 1 - decay)

    def make_validation(self, seeds: list[int]) -> dict:
        """A fixed held-out batch: samples, captions, noise and sigmas spread over the schedule."""
        rng = np.random.default_rng(12345)
        samples = self._encode_samples(seeds, rng)
        n = len(samples)
        sigmas = torch.linspace(0.05, 0.95, n)
        noise = torch.from_numpy(
            rng.standard_normal((n, *samples[0]["x0"].shape)).astype(np.float32)
        ).to(self.device)
        return {
            "samples": samples,
            "sigmas": sigmas,
            "noise": noise,
            "texts": [s["text"] for s in samples],
        }

    @torch.no_grad()
    def validation_losses(self, val: dict, shape_weight: float) -> tuple[float, float, float, float]:
        """(plain, shape-weighted) held-out loss of the EMA weights, and how much worse their
        error on the shapes gets with the captions' directions reversed and with the shapes
        recoloured (1.0: the model does not hear those words)."""
        samples = val["samples"]
        errors = self._errors(self.ema, samples, val["sigmas"], val["noise"], val["texts"])
        true = _on_shapes(errors, samples).sum()
        heard = []
        for _setting, key, _margin in self.CONTRASTS:
            wrong = self._errors(
                self.ema, samples, val["sigmas"], val["noise"], [s[key] for s in samples]
            )
            heard.append(float(_on_shapes(wrong, samples).sum() / true))
        return (
            float(self._weighted(errors, samples, 0.0)),
            float(self._weighted(errors, samples, shape_weight)),
            *heard,
        )


def _on_shapes(errors: torch.Tensor, batch: list[dict]) -> torch.Tensor:
    """Each sample's mean per-latent error over the latents its shapes touch: (B,)."""
    shapes = torch.stack([b["shapes"] for b in batch]).to(errors.device)
    area = shapes.sum(dim=(1, 2, 3, 4)).clamp_min(1.0)
    return (errors * shapes).sum(dim=(1, 2, 3, 4)) / area

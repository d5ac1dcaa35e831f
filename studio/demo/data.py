"""Training batches for the demo model: rendered scenes, captions, prompt states and VACE pins.

Pins follow the modes the engine asks for: nothing pinned (text to video), the first frame
(image to video), the first k frames (extend forward), the last k frames (extend backward) and
both ends (infill). Unpinned frames of the conditioning video are mid-grey (0 in [-1, 1]), which
is what the pipeline uses when no video is given and what the engine passes for frames to make.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
from diffusers.pipelines.wan.pipeline_wan_vace import prompt_clean

from studio.demo.captions import caption, reversed_caption
from studio.demo.scenes import FRAMES, HELD_OUT_SEED_START, make_scene, render
from studio.engine.minilm import load_minilm

log = logging.getLogger(__name__)

PIN_MODES = ("none", "first_frame", "first_k", "last_k", "both_ends")
PIN_WEIGHTS = (0.3, 0.15, 0.2, 0.15, 0.2)


def to_tensor(frames: np.ndarray) -> torch.Tensor:
    """uint8 (F, H, W, 3) -> float (3, F, H, W) in [-1, 1], as the pipeline's video processor."""
    return torch.from_numpy(frames).float().div(127.5).sub(1.0).permute(3, 0, 1, 2).contiguous()


def to_uint8(video: torch.Tensor) -> np.ndarray:
    """float (3, F, H, W) in [-1, 1] -> uint8 (F, H, W, 3)."""
    v = video.detach().float().clamp(-1, 1).add(1).mul(127.5).round()
    return v.permute(1, 2, 3, 0).to(torch.uint8).cpu().numpy()


def pin_flags(mode: str, frames: int, rng: np.random.Generator) -> np.ndarray:
    """Per-frame flags for a pin mode: 1 = generate, 0 = pinned."""
    gen = np.ones(frames, dtype=np.float32)
    max_k = frames // 2
    if mode == "first_frame":
        gen[0] = 0
    elif mode == "first_k":
        gen[: rng.integers(1, max_k + 1)] = 0
    elif mode == "last_k":
        gen[frames - rng.integers(1, max_k + 1) :] = 0
    elif mode == "both_ends":
        gen[: rng.integers(1, max_k // 2 + 2)] = 0
        gen[frames - rng.integers(1, max_k // 2 + 2) :] = 0
    return gen


def train_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, HELD_OUT_SEED_START))


class PromptEncoder:
    """MiniLM prompt states padded with zeros to `max_length`, as `_get_t5_prompt_embeds` pads them."""

    def __init__(self, max_length: int, device: torch.device | str = "cpu") -> None:
        self.tokenizer, self.encoder = load_minilm(device)
        self.max_length = max_length
        self.device = torch.device(device)
        self._cache: dict[str, torch.Tensor] = {}

    @torch.no_grad()
    def states(self, text: str) -> torch.Tensor:
        """(tokens, 384) for the prompt's real tokens; the padding is added by `batch`."""
        hit = self._cache.get(text)
        if hit is not None:
            return hit
        # Without padding the real tokens' states equal those of the pipeline's padded call
        # (attention masks the padding), and it costs a fraction of 512 positions.
        ids = self.tokenizer(
            [prompt_clean(text)], truncation=True, max_length=self.max_length, return_tensors="pt"
        )
        out = self.encoder(
            ids.input_ids.to(self.device), ids.attention_mask.to(self.device)
        ).last_hidden_state[0]
        if len(self._cache) > 50_000:
            self._cache.clear()
        self._cache[text] = out
        return out

    def batch(self, texts: list[str]) -> torch.Tensor:
        out = torch.zeros(
            len(texts), self.max_length, self.encoder.config.hidden_size, device=self.device
        )
        for i, text in enumerate(texts):
            s = self.states(text)
            out[i, : s.shape[0]] = s
        return out


def scene_batch(
    seeds: list[int], rng: np.random.Generator, held_out: bool = False
) -> tuple[torch.Tensor, list[str], list[str]]:
    """Videos (B, 3, F, H, W) in [-1, 1], one caption each (a random phrasing), and the same
    captions with the directions reversed."""
    videos, texts, reversed_texts = [], [], []
    for seed in seeds:
        scene = make_scene(seed)
        variant = int(rng.integers(1 << 30))
        videos.append(to_tensor(render(scene)))
        texts.append(caption(scene, variant, held_out=held_out))
        reversed_texts.append(reversed_caption(scene, variant, held_out=held_out))
    return torch.stack(videos), texts, reversed_texts


def pin_batch(
    batch: int, rng: np.random.Generator, frames: int = FRAMES
) -> tuple[torch.Tensor, list[str]]:
    """(B, F) generate flags with random modes, and the mode names."""
    modes = [PIN_MODES[rng.choice(len(PIN_MODES), p=PIN_WEIGHTS)] for _ in range(batch)]
    flags = np.stack([pin_flags(m, frames, rng) for m in modes])
    return torch.from_numpy(flags), modes

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
from torch.nn.utils.rnn import pad_sequence

from studio.demo.scenes import FRAMES
from studio.engine.minilm import load_minilm

log = logging.getLogger(__name__)

PIN_MODES = ("none", "first_frame", "first_k", "last_k", "both_ends")
PIN_WEIGHTS = (0.3, 0.15, 0.2, 0.15, 0.2)


def to_tensor(frames: np.ndarray) -> torch.Tensor:
    """uint8 (F, H, W, 3) -> float (3, F, H, W) in [-1, 1], as the pipeline's video processor."""
    return to_tensors([frames], torch.device("cpu"))[0]


def to_tensors(videos: list[np.ndarray], device: torch.device) -> torch.Tensor:
    """uint8 (F, H, W, 3) clips -> float (B, 3, F, H, W) in [-1, 1] on `device`, converted there
    (a quarter of the bytes to copy, and no work on the CPU)."""
    x = torch.from_numpy(np.stack(videos)).to(device)
    return x.float().div(127.5).sub(1.0).permute(0, 4, 1, 2, 3).contiguous()


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


class PromptEncoder:
    """MiniLM prompt states padded with zeros to `max_length`, as `_get_t5_prompt_embeds` pads them."""

    # Prompt states kept (about 20 x 384 floats each): a replay buffer's captions stay in it.
    CACHE = 50_000

    def __init__(self, max_length: int, device: torch.device | str = "cpu") -> None:
        self.tokenizer, self.encoder = load_minilm(device)
        self.max_length = max_length
        self.device = torch.device(device)
        self._cache: dict[str, torch.Tensor] = {}

    @torch.no_grad()
    def _encode(self, texts: list[str]) -> None:
        """Cache the real tokens' states of `texts`, in one batch.

        The pipeline pads to max_length and the attention mask hides the padding, so the real
        tokens' states do not depend on it: padding only to the batch's longest prompt gives the
        same states for a fraction of the positions."""
        ids = self.tokenizer(
            [prompt_clean(t) for t in texts],
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        mask = ids.attention_mask.to(self.device)
        out = self.encoder(ids.input_ids.to(self.device), mask).last_hidden_state
        for text, states, n in zip(texts, out, mask.sum(dim=1).tolist(), strict=True):
            self._cache[text] = states[:n]

    def batch(self, texts: list[str]) -> torch.Tensor:
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if len(self._cache) + len(missing) > self.CACHE:
            # Full: start again, with this batch's prompts (some of which were cached).
            self._cache.clear()
            missing = list(dict.fromkeys(texts))
        if missing:
            self._encode(missing)
        states = [self._cache[t] for t in texts]
        out = torch.zeros(
            len(texts), self.max_length, self.encoder.config.hidden_size, device=self.device
        )
        out[:, : max(s.shape[0] for s in states)] = pad_sequence(states, batch_first=True)
        return out


def pin_batch(
    batch: int, rng: np.random.Generator, frames: int = FRAMES
) -> tuple[torch.Tensor, list[str]]:
    """(B, F) generate flags with random modes, and the mode names."""
    modes = [PIN_MODES[rng.choice(len(PIN_MODES), p=PIN_WEIGHTS)] for _ in range(batch)]
    flags = np.stack([pin_flags(m, frames, rng) for m in modes])
    return torch.from_numpy(flags), modes

"""Drive the shipped demo model through the stock diffusers `WanVACEPipeline`.

Used by the evaluator, the speed benchmark and the tests, so they measure what the engine
runs: the folder loaded by `WanVACEPipeline.from_pretrained` with MiniLM passed in as text
encoder, pins given as `video` + `mask` frames (pinned frames black in the mask, frames to
make white in the mask and mid-grey in the video), and extending backward with a folder that
says so, the first pinned frame as a reference image too.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import PIL.Image
import torch
from diffusers import WanVACEPipeline

from studio.core.resources import assets_dir
from studio.demo import model as M
from studio.demo.scenes import FRAMES, HEIGHT, WIDTH
from studio.engine.families import inspect_model
from studio.engine.minilm import load_minilm

log = logging.getLogger(__name__)

DEMO_FOLDER = assets_dir() / "models" / "demo"
GREY = (128, 128, 128)


def load_pipeline(folder: Path = DEMO_FOLDER, device: str = "cpu") -> WanVACEPipeline:
    """The demo folder as a WanVACEPipeline on `device`, in float32."""
    tokenizer, text_encoder = load_minilm(device)
    pipe = WanVACEPipeline.from_pretrained(
        str(folder),
        text_encoder=text_encoder,
        tokenizer=tokenizer,
        dtype=torch.float32,
        use_safetensors=True,
    )
    pipe.set_progress_bar_config(disable=True)
    info = inspect_model(Path(folder))
    # What the engine passes as max_sequence_length for this folder (see demo.model).
    pipe.studio_prompt_tokens = info.prompt_tokens or M.WAN_PROMPT_TOKENS
    # Whether the engine passes the first pinned frame as a reference image extending back.
    pipe.studio_extend_back_reference = info.extend_back_reference
    return pipe.to(device)


def conditioning(
    pins: dict[int, np.ndarray], frames: int = FRAMES, height: int = HEIGHT, width: int = WIDTH
) -> tuple[list[PIL.Image.Image], list[PIL.Image.Image]]:
    """`video` and `mask` frame lists for pins {frame index: uint8 (H, W, 3)}."""
    video, mask = [], []
    for t in range(frames):
        if t in pins:
            video.append(PIL.Image.fromarray(pins[t]))
            mask.append(PIL.Image.new("RGB", (width, height), (0, 0, 0)))
        else:
            video.append(PIL.Image.new("RGB", (width, height), GREY))
            mask.append(PIL.Image.new("RGB", (width, height), (255, 255, 255)))
    return video, mask


@torch.no_grad()
def generate(
    pipe: WanVACEPipeline,
    prompt: str,
    pins: dict[int, np.ndarray] | None = None,
    seed: int = 0,
    steps: int = M.DEFAULT_STEPS,
    guidance: float = M.DEFAULT_GUIDANCE,
    frames: int = FRAMES,
    height: int = HEIGHT,
    width: int = WIDTH,
) -> np.ndarray:
    """Frames as uint8 (F, H, W, 3); with no pins the pipeline's own defaults (no video, no mask)."""
    kwargs: dict = {}
    if pins:
        kwargs["video"], kwargs["mask"] = conditioning(pins, frames, height, width)
        # Extending backward: one run of pins, to the last frame, not from the first.
        first = min(pins)
        if pipe.studio_extend_back_reference and 0 < first and sorted(pins) == list(
            range(first, frames)
        ):
            kwargs["reference_images"] = [kwargs["video"][first]]
    out = pipe(
        prompt=prompt,
        height=height,
        width=width,
        num_frames=frames,
        num_inference_steps=steps,
        guidance_scale=guidance,
        generator=torch.Generator("cpu").manual_seed(seed),
        output_type="np",
        max_sequence_length=pipe.studio_prompt_tokens,
        **kwargs,
    ).frames[0]
    return np.clip(np.rint(np.asarray(out) * 255), 0, 255).astype(np.uint8)

"""The shipped demo model loads through the stock WanVACEPipeline and honours pinned frames."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from studio.demo.detect import psnr
from studio.demo.pipeline import DEMO_FOLDER, generate, load_pipeline
from studio.demo.scenes import FRAMES, HEIGHT, HELD_OUT_SEED_START, WIDTH, make_scene, render

# Pinned-frame PSNR (dB) each mode must reach with the settings below. Measured on the shipped
# weights (34.5, 33.7, 24.6 and 29.8 dB after 79262 transformer steps and 18562 decoder steps; an
# untrained transformer gives 8 to 16), then lowered for margin. Extending backward is the weak
# mode: after 13 empty frames Wan's causal encoder keeps little of a dark background's colour in
# the pins' latent (the card's backgrounds row), so the model is also given the first pin as a
# reference image (17.9 dB here before it learned to read one; with the background not named in
# the prompt, as here, takes kept the clip's background in 5 of 32 held-out clips then, 29 now).
# Frames it draws before the pins that do not lead into them still cost it: Wan's causal decoder
# carries them into the pinned frames.
MODES = {
    "image to video (first frame)": ([0], 27.0),
    "extend (first four)": ([0, 1, 2, 3], 26.0),
    "extend backward (last four)": ([13, 14, 15, 16], 21.0),
    "infill (both ends)": ([0, 1, 2, 3, 13, 14, 15, 16], 24.0),
}


@pytest.fixture(scope="module")
def pipe():
    torch.set_num_threads(2)
    return load_pipeline(DEMO_FOLDER)


def test_folder_is_a_diffusers_vace_checkpoint_without_text_encoder_weights() -> None:
    index = json.loads((DEMO_FOLDER / "model_index.json").read_text())
    assert index["_class_name"] == "WanVACEPipeline"
    assert index["text_encoder"] == [None, None] and index["tokenizer"] == [None, None]
    assert json.loads((DEMO_FOLDER / "studio_components.json").read_text()) == {
        "text_encoder": "minilm",
        "tokenizer": "minilm",
    }
    files = [p for p in DEMO_FOLDER.rglob("*") if p.is_file()]
    assert sum(p.stat().st_size for p in files) <= 60 * 1024 * 1024
    weights = [p for p in files if p.suffix in (".safetensors", ".bin", ".pt", ".ckpt")]
    assert weights and all(p.suffix == ".safetensors" for p in weights)


def test_text_to_video_gives_17_frames_of_64x64(pipe) -> None:
    frames = generate(pipe, "a red circle moving to the right", steps=2, guidance=1.0)
    assert frames.shape == (FRAMES, HEIGHT, WIDTH, 3)
    assert frames.dtype == np.uint8 and frames.std() > 0


@pytest.mark.parametrize(("pinned", "min_db"), MODES.values(), ids=MODES.keys())
def test_pinned_frames_come_back_close_to_the_pins(pipe, pinned: list[int], min_db: float) -> None:
    real = render(make_scene(HELD_OUT_SEED_START + 7, shapes=1))
    frames = generate(
        pipe, "a ball moving", {t: real[t] for t in pinned}, seed=3, steps=4, guidance=1.0
    )
    assert psnr(frames[pinned], real[pinned]) >= min_db

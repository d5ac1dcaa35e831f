"""The trainer checkpoints, resumes where it stopped, and exports a loadable diffusers folder."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from studio.demo.train import main


def _state(out: Path) -> dict:
    return torch.load(out / "checkpoint.pt", weights_only=False)["state"]


def test_train_stops_resumes_and_exports(tmp_path: Path) -> None:
    out, export = tmp_path / "run", tmp_path / "demo"
    common = [
        "--out",
        str(out),
        "--export",
        str(export),
        "--threads",
        "1",
        "--vae-batch",
        "1",
        "--batch",
        "1",
    ]
    assert main([*common, "--vae-steps", "1", "--steps", "1"]) == 0
    first = _state(out)
    assert (first["phase"], first["vae_step"], first["step"]) == ("transformer", 1, 1)
    # The VAE phase ended, so the folder was exported with what the pipeline needs.
    assert json.loads((export / "model_index.json").read_text())["_class_name"] == "WanVACEPipeline"
    assert (export / "transformer" / "diffusion_pytorch_model.safetensors").is_file()

    assert main([*common, "--vae-steps", "1", "--steps", "2"]) == 0
    second = _state(out)
    assert (second["vae_step"], second["step"]) == (1, 2)

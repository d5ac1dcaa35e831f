"""The demo transformer can start from one trained on another latent layout (`--transformer-from`)."""

from __future__ import annotations

import torch
from diffusers import WanVACETransformer3DModel

from studio.demo import model as M
from studio.demo.run import LATENT_LAYERS, Run
from studio.demo.train import main, parse_args

# The first demo model's transformer: 16 latent channels in 2x2 patches.
OLD = {**M.TRANSFORMER_CONFIG, "in_channels": 16, "out_channels": 16, "patch_size": [1, 2, 2]}
OLD["vace_in_channels"] = 2 * 16 + 16


def _old_folder(path, **changes):
    torch.manual_seed(3)
    WanVACETransformer3DModel(**{**OLD, **changes}).save_pretrained(path / "transformer")
    return path


def test_the_body_carries_over_and_the_latent_layers_start_afresh(tmp_path) -> None:
    old = _old_folder(tmp_path / "old")
    theirs = WanVACETransformer3DModel.from_pretrained(old / "transformer").state_dict()
    run = Run(parse_args(["--out", str(tmp_path / "run")]), torch.device("cpu"))
    before = {k: v.clone() for k, v in run.transformer.state_dict().items()}
    fresh = run.transformer_from(old)
    mine = run.transformer.state_dict()
    assert fresh == [k for k in mine if k.startswith(LATENT_LAYERS)]
    for name, value in mine.items():
        source = before if name in fresh else theirs
        assert torch.equal(value, source[name]), name
    # proj_out has the same shape in both layouts but another meaning, so it is not copied.
    assert theirs["proj_out.weight"].shape == mine["proj_out.weight"].shape
    # The average the export is taken from starts from the same weights.
    ema = run.flow.ema_model().state_dict()
    assert all(torch.equal(ema[k], mine[k]) for k in mine)
    assert run.state["transformer_from"] == str(old)


def test_the_trainer_refuses_another_body(tmp_path, capsys) -> None:
    """(That it starts from one and says so in training.json: test_demo_vae_surgery.)"""
    _old_folder(tmp_path / "wide", num_layers=2, vace_layers=[0])
    for i, source in enumerate([tmp_path / "wide", tmp_path]):
        out = tmp_path / f"run{i}"
        argv = ["--out", str(out), "--export", str(out / "demo"), "--steps", "0"]
        assert main([*argv, "--transformer-from", str(source)]) == 2
        assert not out.exists()
    err = capsys.readouterr().err
    assert (
        f"error: cannot start from the transformer of {tmp_path / 'wide'}: "
        "its body differs (num_layers, vace_layers)." in err
    )
    assert f"error: {tmp_path} has no transformer/config.json to start from." in err

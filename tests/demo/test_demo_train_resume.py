"""The trainer checkpoints, resumes where it stopped, and exports a loadable diffusers folder."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest
import torch

from studio.demo import model as M
from studio.demo.data import to_tensor
from studio.demo.run import NEW_RUN
from studio.demo.scenes import make_scene, render
from studio.demo.train import main
from studio.demo.trainsteps import DecoderTrainer, set_lr


def _state(out: Path) -> dict:
    return torch.load(out / "checkpoint.pt", weights_only=False)["state"]


def _rates(state: dict) -> list[tuple[str, int, float]]:
    return [(r["phase"], r["from_step"], r["peak_lr"]) for r in state["learning_rates"]]


def test_train_stops_resumes_and_exports(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out, export = tmp_path / "run", tmp_path / "demo"
    common = ["--out", str(out), "--export", str(export), "--threads", "1"]
    common += ["--vae-batch", "1", "--batch", "1"]

    def train(vae_steps: int, steps: int, decoder_steps: int, *extra: str) -> int:
        budgets = ["--vae-steps", str(vae_steps), "--steps", str(steps)]
        return main([*common, *budgets, "--decoder-steps", str(decoder_steps), *extra])

    assert train(1, 1, 1) == 0
    first = _state(out)
    assert (first["phase"], first["vae_step"], first["step"]) == ("transformer", 1, 1)
    assert first["decoder_step"] == 1
    defaults = [("vae", 0, 4e-5), ("transformer", 0, 5e-4), ("decoder", 0, 3e-4)]
    assert _rates(first) == defaults
    # The VAE phase ended, so the folder was exported with what the pipeline needs.
    assert json.loads((export / "model_index.json").read_text())["_class_name"] == "WanVACEPipeline"
    assert (export / "transformer" / "diffusion_pytorch_model.safetensors").is_file()
    # The engine pads prompts as the transformer was trained: the folder says how far.
    studio_defaults = json.loads((export / "studio_defaults.json").read_text())
    assert studio_defaults["prompt_tokens"] == M.PROMPT_TOKENS < M.WAN_PROMPT_TOKENS
    # A new run trains extending back with a reference image, and the folder says so.
    assert studio_defaults["extend_back_reference"] is True

    # Raised budgets continue both phases after the latent space was fixed; a phase resumed
    # with another rate keeps the old one in the record, with the step the new one began.
    assert train(1, 2, 2, "--bf16", "--decoder-lr", "2e-4") == 0
    second = _state(out)
    assert (second["vae_step"], second["step"], second["decoder_step"]) == (1, 2, 2)
    assert _rates(second) == [*defaults, ("decoder", 1, 2e-4)]
    assert (second["shape_weight"], second["shape_weight_from_step"]) == (4.0, 0)
    # The training clips go on from where the first run's left off (one sequence for the run);
    # a run with nothing left to do takes none.
    assert second["samples_taken"] > first["samples_taken"] > 0
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="studio.demo.train"):
        assert train(1, 2, 2, "--bf16", "--decoder-lr", "2e-4") == 0
    assert _state(out)["samples_taken"] == second["samples_taken"]
    # It said so before it started.
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("plan: ")]
    assert len(said) == 3 and all("nothing to do" in line for line in said[1:]), said

    # A changed shape weight, prompt length, contrast term or share is recorded from
    # the step it took over, and the export says so.
    changed = ["--shape-weight", "2", "--prompt-tokens", "24", "--direction-contrast", "0.5"]
    changed += ["--colour-contrast", "0.25", "--small-share", "0.3", "--ema-decay", "0.99"]
    assert train(1, 3, 2, *changed, "--reference-share", "0.5") == 0
    training = json.loads((export / "training.json").read_text())
    assert (training["reference_share"], training["reference_share_from_step"]) == (0.5, 2)
    # with what it was before, from the start, for the card.
    assert training["reference_share_earlier"] == [[NEW_RUN["reference_share"], 0]]
    # The engine gives this folder's model the clip's first frame when extending back.
    assert json.loads((export / "studio_defaults.json").read_text())["extend_back_reference"]
    assert (training["shape_weight"], training["shape_weight_from_step"]) == (2.0, 2)
    assert (training["prompt_tokens"], training["prompt_tokens_from_step"]) == (24, 2)
    assert (training["direction_contrast"], training["direction_contrast_from_step"]) == (0.5, 2)
    assert (training["colour_contrast"], training["colour_contrast_from_step"]) == (0.25, 2)
    assert (training["small_share"], training["small_share_from_step"]) == (0.3, 2)
    assert (training["ema_decay"], training["ema_decay_from_step"]) == (0.99, 2)
    assert json.loads((export / "studio_defaults.json").read_text())["prompt_tokens"] == 24

    # A run started from the exported folder goes on with its record, not from its own step,
    # and with its loss settings where the command line is silent: none changes at step 3.
    other = tmp_path / "other"
    budgets = ["--vae-steps", "1", "--steps", "4", "--decoder-steps", "2", "--threads", "1"]
    same = ["--batch", "1"]
    assert (
        main(
            [
                "--out",
                str(other),
                "--export",
                str(other / "demo"),
                "--init-from",
                str(export),
                *budgets,
                *same,
            ]
        )
        == 0
    )
    continued = _state(other)
    assert continued["step"] == 4
    assert (continued["shape_weight_from_step"], continued["prompt_tokens_from_step"]) == (2, 2)
    assert continued["direction_contrast_from_step"] == 2
    assert _rates(continued) == _rates(training)
    assert _rates(training) == [*defaults, ("decoder", 1, 2e-4)]
    assert (continued["prompt_tokens"], continued["direction_contrast"]) == (24, 0.5)
    assert (continued["reference_share"], continued["colour_contrast"]) == (0.5, 0.25)
    assert continued["small_share"] == 0.3
    assert continued["ema_decay"] == 0.99
    assert continued["reference_share_earlier"] == training["reference_share_earlier"]

    # So does a resumed run, and a flag still changes the setting it names.
    assert train(1, 4, 2, "--lr", "1e-4") == 0
    resumed = _state(out)
    assert resumed["step"] == 4
    assert (resumed["shape_weight"], resumed["shape_weight_from_step"]) == (2.0, 2)
    assert (resumed["prompt_tokens"], resumed["direction_contrast"]) == (24, 0.5)
    assert (resumed["ema_decay"], resumed["ema_decay_from_step"]) == (0.99, 2)
    assert _rates(resumed) == [*defaults, ("decoder", 1, 2e-4), ("transformer", 3, 1e-4)]

    # A retrained VAE restarts the transformer, and its weighting with it.
    assert train(2, 1, 1, "--shape-weight", "2", "--retrain-vae") == 0
    third = _state(out)
    assert (third["step"], third["shape_weight"], third["shape_weight_from_step"]) == (1, 2.0, 0)
    assert (third["prompt_tokens"], third["prompt_tokens_from_step"]) == (M.PROMPT_TOKENS, 0)
    assert third.get("direction_contrast", 0.0) == 0.0
    assert "reference_share_earlier" not in third
    # The VAE went on from its weights; the transformer and decoder rates begin again.
    assert _rates(third) == defaults


def test_a_run_from_an_older_layout_goes_on_in_that_layout(tmp_path: Path) -> None:
    """--init-from a folder whose latents are laid out as an older model.py had them (16
    channels, 4x in time, 2x2 patches) trains that model, through a stop and a resume."""
    from diffusers import AutoencoderKLWan, WanVACETransformer3DModel

    old_vae = {**M.VAE_CONFIG, "z_dim": 16, "temperal_downsample": [True, True]}
    old_vae.update(scale_factor_temporal=4, latents_mean=[0.0] * 16, latents_std=[1.0] * 16)
    old_transformer = {**M.TRANSFORMER_CONFIG, "in_channels": 16, "out_channels": 16}
    old_transformer.update(patch_size=[1, 2, 2], vace_in_channels=48)
    record = {"transformer_steps": 5, "transformer_minutes": 1.0, "vae_steps": 3}
    record.update(vae_minutes=1.0, best_vae_psnr=20.0)
    folder = tmp_path / "older"
    torch.manual_seed(0)
    M.export_folder(
        AutoencoderKLWan(**old_vae),
        WanVACETransformer3DModel(**old_transformer),
        folder,
        extra={"training.json": json.dumps(record)},
        prompt_tokens=M.PROMPT_TOKENS,
    )
    out, export = tmp_path / "run", tmp_path / "demo"
    argv = ["--out", str(out), "--export", str(export), "--threads", "1", "--batch", "1"]
    argv += ["--decoder-steps", "0", "--transformer-minutes", "1000", "--eval-minutes", "1000"]
    assert main([*argv, "--init-from", str(folder), "--steps", "6"]) == 0
    assert main([*argv, "--steps", "7"]) == 0  # resumed from the run's own checkpoint
    assert _state(out)["step"] == 7
    for part, config in (("vae", old_vae), ("transformer", old_transformer)):
        made = json.loads((export / part / "config.json").read_text())
        assert {k: made[k] for k in config} == json.loads(json.dumps(config)), part


def test_decoder_phase_keeps_the_latent_space(tmp_path: Path) -> None:
    """Sharpening the decoder must not move the encoder the transformer was trained on."""
    vae = M.new_vae(0)
    trainer = DecoderTrainer(vae, 1e-3, torch.device("cpu"))
    clip = to_tensor(render(make_scene(5)))[None]
    with torch.no_grad():
        before_z = vae.encode(clip).latent_dist.mode()
        before_y = vae.decode(before_z).sample
    rng = np.random.default_rng(0)
    for step in range(2):
        trainer.step([render(make_scene(1))], rng, step, 0.0)
    with torch.no_grad():
        after_z = vae.encode(clip).latent_dist.mode()
        after_y = vae.decode(after_z).sample
    assert torch.equal(before_z, after_z)
    assert not torch.equal(before_y, after_y)


def _stepped_adam(steps: int) -> torch.optim.Optimizer:
    weight = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([weight], lr=1e-3)
    for _ in range(steps):
        weight.grad = torch.ones(1)
        opt.step()
    return opt


def test_learning_rate_warms_up_then_falls_to_a_tenth_over_the_budget() -> None:
    opt = _stepped_adam(1000)

    def lr(step: int, frac: float) -> float:
        set_lr(opt, 2e-3, step, frac, warmup=100)
        return opt.param_groups[0]["lr"]

    assert lr(0, 0.0) == 2e-5  # first warm-up step
    assert lr(500, 0.0) == 2e-3  # peak
    assert lr(500, 0.5) == 2e-3 * 0.55  # halfway down the cosine
    assert abs(lr(500, 1.0) - 2e-4) < 1e-12  # a tenth at the end of the budget
    assert lr(500, 3.0) == lr(500, 1.0)  # past the budget it stays there
    # A phase resumed with a larger budget is earlier in its schedule, so its rate is higher.
    assert lr(500, 0.4) > lr(500, 0.8)


def test_a_fresh_optimiser_on_trained_weights_warms_up_again() -> None:
    """A run going on from an exported folder has a fresh optimiser at a late step: it warms up
    over its own first steps; one restored from a checkpoint goes on where it was."""

    def lr(opt: torch.optim.Optimizer) -> float:
        set_lr(opt, 2e-3, 60_000, 0.0, warmup=200)
        return opt.param_groups[0]["lr"]

    assert lr(_stepped_adam(0)) == 2e-3 / 200
    assert lr(_stepped_adam(99)) == 2e-3 / 2
    restored = _stepped_adam(0)
    restored.load_state_dict(_stepped_adam(300).state_dict())
    assert lr(restored) == 2e-3


def test_a_run_from_a_folder_keeps_its_best_loss_and_writes_plain_json(tmp_path: Path) -> None:
    """A run started from an exported folder exports only weights better on the held-out set
    than the folder's, and what it exports is strict JSON naming no folder it was loaded from."""
    from studio.demo.run import Run
    from studio.demo.train import parse_args

    folder = tmp_path / "folder"
    record = {"transformer_steps": 5, "transformer_minutes": 1.0, "vae_steps": 3}
    record.update(vae_minutes=1.0, best_vae_psnr=20.0, best_val_loss=0.25)
    M.export_folder(
        M.new_vae(0),
        M.new_transformer(0),
        folder,
        extra={"training.json": json.dumps(record)},
        prompt_tokens=M.PROMPT_TOKENS,
    )
    args = parse_args(["--out", str(tmp_path / "run"), "--export", str(tmp_path / "out")])
    run = Run(args, torch.device("cpu"))
    run.init_from(folder)
    assert run.state["best_val"] == 0.25
    run.state["best_val"] = float("inf")  # as a run with no held-out check yet

    def strict(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    run.export()
    training = json.loads((args.export / "training.json").read_text(), parse_constant=strict)
    assert training["best_val_loss"] is None
    for part in ("vae", "transformer"):
        assert "_name_or_path" not in json.loads((args.export / part / "config.json").read_text())


def test_a_run_says_which_phases_it_will_train_before_it_starts() -> None:
    """Budgets count the whole run, so resuming a run whose decoder was trained, with the
    transformer's default budget, would train the transformer first and never reach the
    decoder: the plan says so before any step."""
    from studio.demo.phases import plan
    from studio.demo.train import parse_args

    resumed = {"phase": "transformer", "vae_step": 600, "vae_seconds": 4020.0, "step": 2000}
    resumed.update(seconds=25188.0, decoder_step=1800, decoder_seconds=20700.0)

    lines, cautions = plan(parse_args(["--decoder-minutes", "400"]), resumed)
    assert lines[0] == "vae: 600 steps, 67.0 min so far; done"
    assert lines[1] == "transformer: 2000 steps, 419.8 min so far; trains until stopped (no budget)"
    assert lines[2] == "decoder: 1800 steps, 345.0 min so far; trains until 400.0 min"
    assert len(cautions) == 1 and "decoder phase will not run" in cautions[0]
    assert "--transformer-minutes 0 trains the decoder alone" in cautions[0]

    lines, cautions = plan(
        parse_args(["--transformer-minutes", "0", "--decoder-minutes", "400"]), resumed
    )
    assert "nothing to do (its budget, 0.0 min, is spent)" in lines[1]
    assert lines[2].endswith("trains until 400.0 min")
    assert cautions == []

    args = parse_args(["--transformer-minutes", "525", "--steps", "3000"])
    lines, cautions = plan(args, resumed)
    assert lines[1].endswith("trains until 525.0 min or step 3000")
    assert lines[2].endswith("nothing to do (its budget, 20.0 min, is spent)")
    assert cautions == []

    fresh = {"phase": "vae", "vae_step": 0, "vae_seconds": 0.0, "step": 0, "seconds": 0.0}
    fresh.update(decoder_step=0, decoder_seconds=0.0)
    lines, _ = plan(parse_args(["--vae-minutes", "30", "--steps", "100"]), fresh)
    assert lines[0] == "vae: 0 steps, 0.0 min so far; trains until 30.0 min or step 20000"
    # A fresh run with the default budgets never reaches its decoder; skipping the untrained
    # transformer is no way out, so the warning does not offer it.
    _, cautions = plan(parse_args([]), fresh)
    assert len(cautions) == 1 and "decoder phase will not run" in cautions[0]
    assert "decoder alone" not in cautions[0]


def test_export_only_writes_the_latest_weights_with_their_own_loss(tmp_path: Path) -> None:
    """A run exports by itself only when its held-out loss improves; --export-only exports the
    checkpoint's weights as they are, naming their own loss, and trains nothing."""
    from safetensors.torch import load_file

    out, export, latest = tmp_path / "run", tmp_path / "best", tmp_path / "latest"
    common = ["--out", str(out), "--threads", "1", "--vae-batch", "1", "--batch", "1"]
    budgets = ["--vae-steps", "1", "--steps", "3", "--decoder-steps", "0"]
    assert main([*common, *budgets, "--export", str(export)]) == 0
    before = torch.load(out / "checkpoint.pt", weights_only=False)
    # As if the run's last check had not beaten its best: the folder holds older weights.
    before["state"]["best_val"] = -1.0
    torch.save(before, out / "checkpoint.pt")

    assert main([*common, *budgets, "--export", str(latest), "--export-only"]) == 0
    after = torch.load(out / "checkpoint.pt", weights_only=False)
    assert after["state"]["step"] == 3 and after["state"]["best_val"] == -1.0  # nothing trained
    weights = load_file(latest / "transformer" / "diffusion_pytorch_model.safetensors")
    for name, value in before["flow"]["ema"].items():
        assert torch.equal(weights[name], value), name
    training = json.loads((latest / "training.json").read_text())
    assert training["transformer_steps"] == 3
    assert 0.0 < training["best_val_loss"] < 10.0

    # With no run to export there is nothing to write.
    missing = ["--out", str(tmp_path / "none"), "--export", str(tmp_path / "x"), "--export-only"]
    assert main(missing) == 2
    assert not (tmp_path / "x").exists()


def test_a_run_exports_into_its_own_folder_unless_told_otherwise(
    tmp_path: Path, monkeypatch
) -> None:
    """A try run with no --export must not replace the bundled model: it exports to OUT/model."""
    monkeypatch.chdir(tmp_path)  # where a relative assets/models/demo would land
    argv = ["--out", "try", "--threads", "1", "--vae-batch", "1", "--batch", "1"]
    argv += ["--vae-steps", "1", "--steps", "1", "--decoder-steps", "0"]
    assert main(argv) == 0
    assert (tmp_path / "try" / "model" / "transformer" / "config.json").is_file()
    assert not (tmp_path / "assets").exists()


def test_going_on_from_the_bundled_model_keeps_how_it_was_trained(tmp_path: Path) -> None:
    """The README's command to go on training the bundled model names no loss settings or
    rates: it must train with those the weights were trained with, not a new run's."""
    from studio.demo.run import NEW_RUN
    from studio.demo.train import parse_args

    bundled = Path(__file__).resolve().parents[2] / "assets" / "models" / "demo"
    trained = json.loads((bundled / "training.json").read_text())
    peak = [r["peak_lr"] for r in trained["learning_rates"] if r["phase"] == "transformer"][-1]
    going_on = ["--out", str(tmp_path / "run"), "--init-from", str(bundled)]

    args = parse_args(going_on)
    assert args.lr == peak != NEW_RUN["lr"]
    for key in ("shape_weight", "prompt_tokens", "direction_contrast", "direction_min_sigma"):
        assert getattr(args, key) == trained[key], key
    assert args.direction_contrast != NEW_RUN["direction_contrast"]
    assert args.carried["lr"] == peak

    # A flag overrides its own setting only; a new run and a retrained VAE start afresh.
    args = parse_args([*going_on, "--lr", "2e-4", "--direction-contrast", "0"])
    assert (args.lr, args.direction_contrast) == (2e-4, 0.0)
    assert args.direction_min_sigma == trained["direction_min_sigma"]
    fresh = parse_args(["--out", str(tmp_path / "new")])
    restarted = parse_args([*going_on, "--retrain-vae"])
    for args in (fresh, restarted):
        assert {k: getattr(args, k) for k in NEW_RUN if k != "vae_lr"} == {
            k: v for k, v in NEW_RUN.items() if k != "vae_lr"
        }
    assert fresh.carried == {} and fresh.vae_lr == NEW_RUN["vae_lr"]


def test_a_share_outside_0_to_1_is_refused_in_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from studio.demo.train import parse_args

    for flag in ("--small-share", "--reference-share"):
        with pytest.raises(SystemExit) as stop:
            parse_args(["--out", str(tmp_path / "run"), flag, "1.5"])
        assert stop.value.code == 2
        assert f"{flag} is a share, from 0 to 1, not 1.5" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
    assert parse_args(["--out", str(tmp_path / "run"), "--small-share", "1"]).small_share == 1.0


def test_an_ema_decay_of_1_or_more_or_below_0_is_refused_in_one_sentence(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    from studio.demo.train import parse_args

    for value in ("1", "1.5", "-0.1"):
        with pytest.raises(SystemExit) as stop:
            parse_args(["--out", str(tmp_path / "run"), "--ema-decay", value])
        assert stop.value.code == 2
        assert "--ema-decay is from 0 to below 1" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()
    assert parse_args(["--out", str(tmp_path / "run"), "--ema-decay", "0"]).ema_decay == 0.0


def test_the_exported_average_moves_by_one_minus_the_decay_each_step() -> None:
    from studio.demo.flow import FlowTrainer

    def after_one_update(decay: float) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        trainer = FlowTrainer(
            M.new_transformer(0), M.new_vae(0), 1e-4, torch.device("cpu"), ema_decay=decay
        )
        # Late in a run, where the warm-up no longer caps the decay.
        trainer.ema_steps = 100_000
        before = next(trainer.ema.parameters()).clone()
        trained = next(trainer.transformer.parameters())
        with torch.no_grad():
            trained.add_(1.0)
        trainer._update_ema()
        return before, trained.detach(), next(trainer.ema.parameters())

    for decay in (0.998, 0.9):
        before, trained, average = after_one_update(decay)
        assert torch.allclose(average, before + (1 - decay) * (trained - before), atol=1e-6)
    # A trainer told nothing keeps the usual span, which a new run takes too.
    trainer = FlowTrainer(M.new_transformer(0), M.new_vae(0), 1e-4, torch.device("cpu"))
    assert trainer.ema_decay == NEW_RUN["ema_decay"] == 0.998

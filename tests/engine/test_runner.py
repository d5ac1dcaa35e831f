"""Every mode on every family that can do it, through the real loading path, on tiny models."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from studio.core.errors import BadInput, StudioError
from studio.core.model import Mode
from studio.engine import request as rq
from studio.engine.events import JobCancelledError
from studio.engine.recipe import recipe_from_json
from studio.engine.runner import run_request
from studio.media import read_frames

SMALL = {"width": 16, "height": 16, "frames": 5, "steps": 2, "fps": 8, "guidance": 3.0}


def build(mode: str, clip: np.ndarray, model: Path) -> rq.GenerationRequest:
    fields = dict(SMALL, model=str(model))
    if model.name == "ltx":  # LTX takes multiples of 32
        fields.update(width=32, height=32)
    if mode == "text":
        return rq.text_to_video("a red cat walks", **fields)
    if mode == "image":
        return rq.image_to_video(clip[0], "a red cat walks", **fields)
    if mode == "extend_forward":
        return rq.extend_forward(clip, 3, "a red cat walks", **fields)
    if mode == "extend_backward":
        return rq.extend_backward(clip, 2, "a red cat walks", **fields)
    if mode == "infill":
        return rq.infill(clip[-1:], clip[:1], "a red cat walks", **fields)
    raise AssertionError(mode)


CASES = [
    ("wan", "text"),
    ("wan_vace", "text"), ("wan_vace", "image"), ("wan_vace", "extend_forward"),
    ("wan_vace", "extend_backward"), ("wan_vace", "infill"),
    ("wan_i2v", "image"), ("wan_i2v", "extend_forward"),
    ("wan_flf2v", "infill"),
    ("ltx", "text"), ("ltx", "image"), ("ltx", "extend_forward"), ("ltx", "extend_backward"),
    ("ltx", "infill"),
    ("cogvideox", "text"),
    ("cogvideox_i2v", "image"),
]


@pytest.mark.parametrize("kind, mode", CASES)
def test_every_mode_makes_a_take_of_the_right_shape(kind, mode, tiny_model, pipeline_cache, clip, tmp_path):
    request = build(mode, clip, tiny_model(kind))
    steps = []
    out = tmp_path / "take.mkv"
    result = run_request(request, out, on_step=steps.append, cache=pipeline_cache)

    frames = read_frames(out)
    # Wan image-to-video pins one frame, so a clip's tail leads in by its last frame alone.
    expected = 4 if (kind, mode) == ("wan_i2v", "extend_forward") else request.output_frames
    assert frames.shape == (expected, request.height, request.width, 3)
    assert (result.frames, result.height, result.width) == frames.shape[:3]
    assert result.recipe.mode is Mode(mode)
    assert recipe_from_json(Path(result.recipe_path).read_text()) == result.recipe
    assert [s.step for s in steps] == [1, 2] and steps[-1].total == 2
    assert steps[-1].preview is not None and steps[-1].preview.dtype == np.uint8
    assert steps[-1].preview.shape[2] == 3


def test_a_mode_the_model_cannot_do_names_the_mode_the_model_and_who_can(tiny_model, clip, tmp_path):
    request = build("extend_forward", clip, tiny_model("wan"))
    with pytest.raises(BadInput, match=r"Wan text-to-video model, which cannot do extend forward .*Wan VACE.*LTX-Video"):
        run_request(request, tmp_path / "x.mkv")
    assert not (tmp_path / "x.mkv").exists()


def test_sizes_are_refused_with_the_rule_or_rounded_and_reported(tiny_model, pipeline_cache, clip, tmp_path):
    model = str(tiny_model("wan_vace"))
    odd = rq.extend_backward(clip, 2, "a cat", model=model, width=20, height=16, frames=6, steps=1)
    with pytest.raises(BadInput, match=r"multiples of 16, frames 4k\+1, not 20x16 and 6 frames"):
        run_request(odd, tmp_path / "x.mkv", cache=pipeline_cache)
    result = run_request(odd.with_changes(round_to_model=True), tmp_path / "x.mkv", cache=pipeline_cache)
    assert (result.width, result.height, result.recipe.frames) == (16, 16, 5)
    assert result.frames == 5 - 2  # the pinned head of the clip still ends the window
    assert result.recipe.pins[0].at_frame == 3
    assert any("rounded 20x16, 6 frames to 16x16, 5 frames" in note for note in result.notes)


def test_cancel_stops_within_a_step_and_skips_the_decode(tiny_model, pipeline_cache, tmp_path):
    request = rq.text_to_video("a cat", model=str(tiny_model("wan")), **dict(SMALL, steps=4))
    cancelled = []
    out = tmp_path / "take.mkv"
    with pytest.raises(JobCancelledError):
        run_request(request, out, on_step=lambda s: cancelled.append(s.step),
                    is_cancelled=lambda: bool(cancelled), cache=pipeline_cache)
    assert cancelled == [1]
    assert not out.exists() and not list(tmp_path.iterdir())  # no latents, no video, no sidecar


def test_nan_output_is_a_failure_not_a_take(tiny_model, tmp_path):
    from safetensors.torch import load_file, save_file

    folder = tmp_path / "nan_model"
    shutil.copytree(tiny_model("wan"), folder)
    weights = next((folder / "transformer").glob("*.safetensors"))
    tensors = load_file(str(weights))
    tensors = {k: (v * float("nan") if k.startswith("proj_out") else v) for k, v in tensors.items()}
    save_file(tensors, str(weights))
    out = tmp_path / "take.mkv"
    with pytest.raises(StudioError, match="invalid numbers"):
        run_request(rq.text_to_video("a cat", model=str(folder), **SMALL), out)
    assert not out.exists()


def test_same_request_twice_gives_the_same_frames(tiny_model, pipeline_cache, clip, tmp_path):
    request = build("extend_forward", clip, tiny_model("ltx")).with_changes(seed=7)
    first = run_request(request, tmp_path / "a.mkv", cache=pipeline_cache)
    second = run_request(request, tmp_path / "b.mkv", cache=pipeline_cache)
    assert np.array_equal(read_frames(first.path), read_frames(second.path))
    other = run_request(request.with_changes(seed=8), tmp_path / "c.mkv", cache=pipeline_cache)
    assert not np.array_equal(read_frames(first.path), read_frames(other.path))
    assert first.recipe == second.recipe and first.recipe.weights_hash.startswith("fp1:")
    assert Path(first.latents_path).is_file()


def test_a_demo_style_model_runs_with_the_studio_text_encoder(tiny_model, pipeline_cache, clip, tmp_path):
    model = tiny_model("wan_vace_minilm")
    request = build("extend_forward", clip, model)
    result = run_request(request, tmp_path / "take.mkv", cache=pipeline_cache)
    assert read_frames(result.path).shape == (2, 16, 16, 3)


@pytest.mark.parametrize("kind", ["wan", "ltx", "cogvideox"])
def test_draft_preset_runs_with_a_step_cache_then_final_without(kind, tiny_model, pipeline_cache, tmp_path):
    request = build("text", np.zeros((1, 16, 16, 3), np.uint8), tiny_model(kind)).with_changes(steps=3)
    draft = run_request(request.with_changes(preset="draft"), tmp_path / "d.mkv", cache=pipeline_cache)
    final = run_request(request, tmp_path / "f.mkv", cache=pipeline_cache)
    assert dict(draft.recipe.extra)["step_cache"] == "first_block"
    assert dict(final.recipe.extra)["step_cache"] == "none"
    assert read_frames(draft.path).shape == read_frames(final.path).shape
    transformer = pipeline_cache.find(tiny_model(kind)).pipe.transformer
    assert not transformer.is_cache_enabled


def test_all_black_output_is_a_failure_not_a_take(tiny_model, tmp_path):
    from safetensors.torch import load_file, save_file

    folder = tmp_path / "black_model"
    shutil.copytree(tiny_model("wan"), folder)
    weights = next((folder / "vae").glob("*.safetensors"))
    tensors = load_file(str(weights))
    # The decoder's last layer outputs -10 everywhere: pixels clamp to black.
    tensors["decoder.conv_out.weight"] = tensors["decoder.conv_out.weight"] * 0
    tensors["decoder.conv_out.bias"] = tensors["decoder.conv_out.bias"] * 0 - 10
    save_file(tensors, str(weights))
    out = tmp_path / "take.mkv"
    with pytest.raises(StudioError, match="only black frames"):
        run_request(rq.text_to_video("a cat", model=str(folder), **SMALL), out)
    assert not list(tmp_path.glob("take.mkv*"))  # no video, no recipe, no latents


def test_a_decode_out_of_memory_is_retried_in_tiles_from_the_saved_latents(
    tiny_model, pipeline_cache, tmp_path, monkeypatch
):
    import torch

    request = rq.text_to_video("a cat", model=str(tiny_model("wan")), **SMALL)
    plain = run_request(request, tmp_path / "plain.mkv", cache=pipeline_cache)
    vae = pipeline_cache.find(tiny_model("wan")).pipe.vae
    real_decode = vae.decode
    calls = []

    def decode(*args, **kwargs):
        calls.append(vae.use_tiling)
        if not vae.use_tiling:  # a GPU too small for the whole video at once
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return real_decode(*args, **kwargs)

    monkeypatch.setattr(vae, "decode", decode)
    tiled = run_request(request, tmp_path / "tiled.mkv", cache=pipeline_cache)
    assert calls == [False, True]
    assert any("in tiles" in note for note in tiled.notes)
    assert read_frames(tiled.path).shape == read_frames(plain.path).shape


def test_the_recipe_travels_in_the_container_too(tiny_model, pipeline_cache, tmp_path):
    import av

    result = run_request(rq.text_to_video("a cat", model=str(tiny_model("wan")), **SMALL),
                         tmp_path / "take.mp4", cache=pipeline_cache)
    with av.open(result.path) as container:
        text = container.metadata["studio_recipe"]
    assert recipe_from_json(text) == result.recipe
    assert result.recipe.prompt == "a cat" and result.recipe.seed == 0 and result.recipe.steps == 2
    assert dict(result.recipe.versions)["diffusers"]


def test_the_cache_keeps_the_most_recent_models_within_its_limit(tiny_model, tmp_path):
    from studio.engine.cache import PipelineCache

    cache = PipelineCache(max_models=1)
    run_request(rq.text_to_video("a cat", model=str(tiny_model("wan")), **SMALL), tmp_path / "a.mkv", cache=cache)
    first = cache.find(tiny_model("wan"))
    run_request(rq.text_to_video("a cat", model=str(tiny_model("wan")), **SMALL), tmp_path / "b.mkv", cache=cache)
    assert cache.find(tiny_model("wan")) is first  # warm: not loaded again
    run_request(rq.text_to_video("a cat", model=str(tiny_model("cogvideox")), **SMALL), tmp_path / "c.mkv", cache=cache)
    assert len(cache) == 1 and cache.find(tiny_model("wan")) is None


def _demo_is_trained() -> bool:
    import json

    from studio.engine.sources import demo_path

    info = demo_path() / "training.json"
    if not info.is_file():
        return False
    return json.loads(info.read_text()).get("transformer_steps", 0) > 0


@pytest.mark.skipif(not _demo_is_trained(), reason="the demo model is not trained (or not installed)")
def test_on_the_demo_model_pinned_frames_come_back_close_to_the_pins(pipeline_cache, tmp_path):
    """Through the engine (not the bare pipeline): a clip's tail pinned at the start of an
    extend comes back close to the clip, far closer than an unpinned take of the same prompt."""
    from studio.demo.scenes import HELD_OUT_SEED_START, make_scene, render

    scene = render(make_scene(HELD_OUT_SEED_START + 7, shapes=1))  # 64x64, 17 frames
    fields = {"model": "demo", "width": 64, "height": 64, "frames": 17, "steps": 4,
              "guidance": 1.0, "seed": 3}
    pinned = run_request(rq.extend_forward(scene, 4, "a ball moving", trim_pins=False, **fields),
                         tmp_path / "pinned.mkv", cache=pipeline_cache)
    free = run_request(rq.text_to_video("a ball moving", **fields), tmp_path / "free.mkv",
                       cache=pipeline_cache)
    pins = scene[-4:].astype(float)
    pinned_error = np.abs(read_frames(pinned.path)[:4] - pins).mean()
    free_error = np.abs(read_frames(free.path)[:4] - pins).mean()
    assert pinned_error < 0.5 * free_error


def test_a_folder_that_gives_its_prompt_length_gets_prompts_padded_to_it(
    tiny_model, pipeline_cache, clip, tmp_path, monkeypatch
):
    """The demo model is trained on prompts padded to fewer tokens than Wan's 512; run at 512,
    its prompt would be drowned in padding, so the engine pads to what the folder says."""
    import json

    from diffusers import WanVACETransformer3DModel

    model = tmp_path / "short-prompts"
    shutil.copytree(tiny_model("wan_vace_minilm"), model)
    defaults = {"width": 16, "height": 16, "frames": 5, "fps": "8", "prompt_tokens": 6}
    (model / "studio_defaults.json").write_text(json.dumps(defaults))
    lengths: list[int] = []
    forward = WanVACETransformer3DModel.forward

    def spy(self, *args, **kwargs):
        lengths.append(kwargs["encoder_hidden_states"].shape[1])
        return forward(self, *args, **kwargs)

    monkeypatch.setattr(WanVACETransformer3DModel, "forward", spy)
    short = build("text", clip, model).with_changes(prompt="a red cat")
    result = run_request(short, tmp_path / "a.mkv", cache=pipeline_cache)
    assert lengths and set(lengths) == {6}
    assert not [n for n in result.notes if "tokens" in n]

    long = short.with_changes(prompt="a red cat walks through the rain in the city at night")
    result = run_request(long, tmp_path / "b.mkv", cache=pipeline_cache)
    assert any("reads the first 6 tokens of a prompt; this one has" in n for n in result.notes)

    lengths.clear()  # a folder that says nothing gets the pipeline's own length
    run_request(build("text", clip, tiny_model("wan_vace_minilm")), tmp_path / "c.mkv",
                cache=pipeline_cache)
    assert set(lengths) == {512}


@pytest.mark.parametrize(("key", "value", "said"), [
    ("prompt_tokens", "many", "prompt_tokens 'many'; it must be a whole number"),
    ("extend_back_reference", "yes", "extend_back_reference 'yes'; it must be true or false"),
])
def test_a_bad_setting_in_the_folder_is_named(tiny_model, tmp_path, key, value, said):
    import json

    from studio.engine.families import inspect_model

    model = tmp_path / "bad"
    shutil.copytree(tiny_model("wan_vace_minilm"), model)
    defaults = {"width": 16, "height": 16, "frames": 5, "fps": "8", key: value}
    (model / "studio_defaults.json").write_text(json.dumps(defaults))
    with pytest.raises(BadInput, match=said):
        inspect_model(model)


def test_a_folder_trained_with_a_reference_gets_the_clips_first_frame_extending_back(
    tiny_model, pipeline_cache, clip, tmp_path, monkeypatch
):
    """Extending back, the causal VAE codes the pins after empty frames by little more than
    their brightness; a folder that says its model learned to read the clip's first frame as a
    reference image gets it then (and only then), and the take is still the frames it asked for."""
    import json

    from diffusers import WanVACEPipeline, WanVACETransformer3DModel

    from studio.engine.backends.base import fit_image

    model = tmp_path / "with-reference"
    shutil.copytree(tiny_model("wan_vace_minilm"), model)
    defaults = {"width": 16, "height": 16, "frames": 5, "fps": "8", "extend_back_reference": True}
    (model / "studio_defaults.json").write_text(json.dumps(defaults))
    references: list = []
    latent_frames: list[int] = []
    call, forward = WanVACEPipeline.__call__, WanVACETransformer3DModel.forward

    def spy_call(self, *args, **kwargs):
        references.append(kwargs.get("reference_images"))
        return call(self, *args, **kwargs)

    def spy_forward(self, *args, **kwargs):
        latent_frames.append(kwargs["hidden_states"].shape[2])
        return forward(self, *args, **kwargs)

    monkeypatch.setattr(WanVACEPipeline, "__call__", spy_call)
    monkeypatch.setattr(WanVACETransformer3DModel, "forward", spy_forward)
    plain = run_request(build("extend_backward", clip, tiny_model("wan_vace_minilm")),
                        tmp_path / "plain.mkv", cache=pipeline_cache)
    plain_frames = set(latent_frames)
    latent_frames.clear()
    back = run_request(build("extend_backward", clip, model), tmp_path / "back.mkv",
                       cache=pipeline_cache)
    assert references[0] is None
    (image,) = references[1]
    assert np.array_equal(np.asarray(image), np.asarray(fit_image(clip[0], 16, 16)))
    # The reference has its own latent slot before the video's, dropped before the decode.
    assert set(latent_frames) == {n + 1 for n in plain_frames}
    assert read_frames(back.path).shape == read_frames(plain.path).shape == (3, 16, 16, 3)

    references.clear()  # extending forward or filling a gap, it gets none
    for mode in ("extend_forward", "infill"):
        run_request(build(mode, clip, model), tmp_path / f"{mode}.mkv", cache=pipeline_cache)
    assert references == [None, None]


"""Finding models and reading what they are: families, pins, size rules, broken folders."""

from __future__ import annotations

import json
import shutil

import pytest

from studio.core.errors import BadInput
from studio.core.model import Mode
from studio.engine.families import PinSupport, inspect_model
from studio.engine.sources import list_models, resolve_model


@pytest.mark.parametrize(
    "kind, family, pins, spatial, temporal",
    [
        ("wan", "wan", PinSupport.NOTHING, 16, 4),
        ("wan_vace", "wan_vace", PinSupport.ANY, 16, 4),
        ("wan_i2v", "wan_i2v", PinSupport.FIRST_FRAME, 16, 4),
        ("wan_flf2v", "wan_i2v", PinSupport.FIRST_AND_LAST, 16, 4),
        ("ltx", "ltx", PinSupport.ANY, 32, 4),
        ("cogvideox", "cogvideox", PinSupport.NOTHING, 16, 4),
        ("cogvideox_i2v", "cogvideox_i2v", PinSupport.FIRST_FRAME, 16, 4),
    ],
)
def test_family_pins_and_size_rule_come_from_the_folder(tiny_model, kind, family, pins, spatial, temporal):
    info = inspect_model(tiny_model(kind))
    assert info.family.name == family
    assert info.pins is pins
    assert (info.rule.spatial, info.rule.temporal) == (spatial, temporal)
    assert info.size_on_disk() > 0


def test_a_wan_vae_that_keeps_every_frame_takes_any_frame_count(tiny_model, tmp_path):
    """A VAE that compresses in space only (one latent per frame) has no 4k+1 rule."""
    folder = tmp_path / "per_frame"
    shutil.copytree(tiny_model("wan_vace"), folder)
    config = json.loads((folder / "vae" / "config.json").read_text())
    config.update(temperal_downsample=[False, False, False], scale_factor_temporal=1)
    (folder / "vae" / "config.json").write_text(json.dumps(config))
    rule = inspect_model(folder).rule
    assert (rule.spatial, rule.temporal) == (16, 1)
    assert rule.frames_ok(18) and rule.frames_ok(17)
    assert rule.describe() == "width and height multiples of 16, any number of frames"
    # The 4x-in-time original still says what it takes.
    assert "frames 4k+1" in inspect_model(tiny_model("wan_vace")).rule.describe()


def test_modes_by_family(tiny_model):
    assert inspect_model(tiny_model("wan")).modes == {Mode.TEXT}
    assert inspect_model(tiny_model("wan_vace")).modes == set(Mode)
    assert Mode.INFILL in inspect_model(tiny_model("wan_flf2v")).modes
    assert Mode.INFILL not in inspect_model(tiny_model("wan_i2v")).modes


def test_unknown_family_and_missing_parts_are_named(tiny_model, tmp_path):
    odd = tmp_path / "odd"
    shutil.copytree(tiny_model("wan"), odd)
    index = json.loads((odd / "model_index.json").read_text())
    (odd / "model_index.json").write_text(json.dumps({**index, "_class_name": "FluxPipeline"}))
    with pytest.raises(BadInput, match="FluxPipeline, which the studio cannot run; it runs Wan"):
        inspect_model(odd)
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model("wan"), broken)
    shutil.rmtree(broken / "vae")
    with pytest.raises(BadInput, match="missing its vae"):
        inspect_model(broken)
    with pytest.raises(BadInput, match="no model_index.json"):
        inspect_model(tmp_path)


def test_demo_style_folder_gets_its_text_encoder_from_the_studio(tiny_model, tmp_path):
    folder = tmp_path / "demo_like"
    shutil.copytree(tiny_model("wan_vace"), folder)
    shutil.rmtree(folder / "text_encoder")
    shutil.rmtree(folder / "tokenizer")
    index = json.loads((folder / "model_index.json").read_text())
    index.update(text_encoder=[None, None], tokenizer=[None, None])
    (folder / "model_index.json").write_text(json.dumps(index))
    with pytest.raises(BadInput, match="missing its text_encoder, tokenizer"):
        inspect_model(folder)
    (folder / "studio_components.json").write_text('{"text_encoder": "minilm", "tokenizer": "minilm"}')
    assert dict(inspect_model(folder).stand_ins) == {"text_encoder": "minilm", "tokenizer": "minilm"}


def test_models_resolve_by_path_and_by_name_in_the_models_folder(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_MODELS_DIR", str(tmp_path))
    shutil.copytree(tiny_model("ltx"), tmp_path / "my-ltx")
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "model_index.json").write_text("{not json")
    assert resolve_model(str(tiny_model("wan"))).family.name == "wan"
    named = resolve_model("my-ltx")
    assert named.family.name == "ltx" and named.source == "models folder"
    with pytest.raises(BadInput, match="no model named 'nope'"):
        resolve_model("nope")
    listed = {item.id: item for item in list_models()}
    assert listed["my-ltx"].info is not None
    assert listed["junk"].info is None and "cannot be read as JSON" in listed["junk"].problem


def test_diffusers_repos_in_the_hugging_face_cache_are_found_offline(tiny_model, tmp_path, monkeypatch):
    from huggingface_hub import constants

    repo = tmp_path / "hub" / "models--someone--tiny-ltx"
    snapshot = repo / "snapshots" / "0123abcd"
    shutil.copytree(tiny_model("ltx"), snapshot)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0123abcd")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("STUDIO_MODELS_DIR", str(tmp_path / "empty"))
    info = resolve_model("someone/tiny-ltx")
    assert info.family.name == "ltx" and info.source == "hugging face cache"
    assert info.path == snapshot
    assert "someone/tiny-ltx" in {item.id for item in list_models()}


def test_the_ui_can_ask_why_a_model_cannot_do_a_mode_without_torch(tiny_model):
    from studio.engine.families import mode_refusal

    wan = inspect_model(tiny_model("wan"))
    assert mode_refusal(wan, Mode.TEXT) is None
    assert "cannot do infill" in mode_refusal(wan, Mode.INFILL)
    assert mode_refusal(inspect_model(tiny_model("wan_flf2v")), Mode.INFILL) is None


def test_the_demo_folder_says_its_native_window():
    """New shots and `studio generate` start at the window the demo model was trained at."""
    from fractions import Fraction

    from studio.demo.scenes import FPS, FRAMES, HEIGHT, WIDTH
    from studio.engine.sources import resolve_model

    native = resolve_model("demo").native
    assert (native.width, native.height, native.frames, native.fps) == (
        WIDTH, HEIGHT, FRAMES, Fraction(FPS))

"""A model family can live in a plugin: CogVideoX comes from the bundled
`cogvideox_backend` plugin, and without it a CogVideoX folder is a family the studio does
not know. (tests/engine runs real tiny CogVideoX models through this same route.)"""

import json
import os

import pytest

from studio.core.errors import BadInput
from studio.core.settings import Settings, save_settings, settings_path
from studio.engine import families


@pytest.fixture
def cog_folder(tmp_path):
    folder = tmp_path / "cog"
    folder.mkdir()
    (folder / "model_index.json").write_text(json.dumps({
        "_class_name": "CogVideoXPipeline",
        **{name: ["diffusers", "X"] for name in ("transformer", "vae", "scheduler")},
        "text_encoder": ["transformers", "T5EncoderModel"],
        "tokenizer": ["transformers", "T5Tokenizer"],
    }))
    for name in ("transformer", "vae", "scheduler", "text_encoder", "tokenizer"):
        (folder / name).mkdir()
        (folder / name / "config.json").write_text(json.dumps({
            "temporal_compression_ratio": 4, "patch_size": 2, "sample_height": 60,
            "sample_width": 90, "block_out_channels": [8, 8, 8, 8]}))
    families.reload_families()
    yield folder
    families.reload_families()


def test_cogvideox_family_comes_from_its_plugin(cog_folder):
    info = families.inspect_model(cog_folder)
    assert info.family.name == "cogvideox"
    assert info.family.backend.startswith("cogvideox_backend.")
    assert not info.family.compilable
    assert "CogVideoX text-to-video" in [f.label for f in families.all_families()]


def test_without_the_plugin_cogvideox_is_unknown(cog_folder):
    save_settings(Settings(disabled_plugins=["cogvideox_backend"]))
    families.reload_families()
    with pytest.raises(BadInput, match="CogVideoXPipeline"):
        families.inspect_model(cog_folder)
    assert all(not f.name.startswith("cogvideox") for f in families.all_families())


def test_a_backend_switched_off_and_on_is_followed_without_a_restart(cog_folder):
    """The engine host is one long process: it must see Preferences change at its next job."""
    assert families.inspect_model(cog_folder).family.name == "cogvideox"
    save_settings(Settings(disabled_plugins=["cogvideox_backend"]))
    with pytest.raises(BadInput, match="CogVideoXPipeline"):
        families.inspect_model(cog_folder)
    save_settings(Settings())
    assert families.inspect_model(cog_folder).family.name == "cogvideox"


def test_a_change_is_seen_where_file_times_are_coarse(cog_folder):
    """Two saves in one tick of a coarse clock (FAT keeps 2 s) with the same size: the second
    must still be seen, though time and size are what they were."""
    save_settings(Settings(disabled_plugins=["cogvideox_backend"]))
    assert all(not f.name.startswith("cogvideox") for f in families.all_families())
    first = os.stat(settings_path())
    save_settings(Settings(disabled_plugins=["cogvideox_backenX"]))  # same length, not it
    os.utime(settings_path(), ns=(first.st_atime_ns, first.st_mtime_ns))
    again = os.stat(settings_path())
    assert (again.st_mtime_ns, again.st_size) == (first.st_mtime_ns, first.st_size)
    assert families.inspect_model(cog_folder).family.name == "cogvideox"

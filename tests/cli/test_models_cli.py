"""`studio models`: what a user sees of the models on disk, and a pull with no network."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from studio.cli import main

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from tiny_models import build_tiny


@pytest.fixture
def models_dir(tmp_path_factory, tmp_path, monkeypatch) -> Path:
    built = build_tiny("wan_vace", tmp_path_factory.getbasetemp() / "tiny_models")
    folder = tmp_path / "models"
    shutil.copytree(built, folder / "tiny-vace")
    (folder / "half-copied").mkdir()
    (folder / "half-copied" / "model_index.json").write_text('{"_class_name": "WanPipeline"}')
    monkeypatch.setenv("STUDIO_MODELS_DIR", str(folder))
    return folder


def test_json_lists_a_model_in_the_models_folder(models_dir, capsys):
    assert main(["models", "--json"]) == 0
    rows = {row["id"]: row for row in json.loads(capsys.readouterr().out)}
    tiny = rows["tiny-vace"]
    assert tiny["family"] == "Wan VACE" and tiny["source"] == "models folder" and tiny["usable"]
    assert {"text-to-video", "image-to-video", "extend forward", "infill"} <= set(tiny["modes"])
    assert tiny["size_bytes"] > 10_000 and tiny["path"] == str(models_dir / "tiny-vace")
    broken = rows["half-copied"]
    assert not broken["usable"] and "missing" in broken["problem"]


def test_table_names_each_model_with_its_size(models_dir, capsys):
    assert main(["models"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "FAMILY", "SIZE", "MODES", "SOURCE"]
    tiny = next(line for line in lines if line.startswith("tiny-vace"))
    assert "Wan VACE" in tiny and "KB" in tiny and "models folder" in tiny


def _pull(tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HF_") and "OFFLINE" not in k}
    environ.update(HF_HOME=str(tmp_path / "hf"), STUDIO_HOME=str(tmp_path / "home"), **env)
    return subprocess.run(
        [sys.executable, "-m", "studio", "models", "pull", "Wan-AI/Wan2.1-T2V-1.3B-Diffusers"],
        env=environ, capture_output=True, text=True, timeout=120, check=False,
    )


def test_pull_without_a_network_fails_with_one_line(tmp_path):
    # Port 9 on this machine refuses connections: the Hub is unreachable.
    done = _pull(tmp_path, HF_ENDPOINT="http://127.0.0.1:9")
    assert done.returncode == 1
    err = done.stderr.strip()
    assert err.startswith("error: cannot reach") and "\n" not in err
    assert not (tmp_path / "hf" / "hub" / "models--Wan-AI--Wan2.1-T2V-1.3B-Diffusers").exists()


def test_pull_when_downloads_are_off_says_so(tmp_path):
    done = _pull(tmp_path, HF_HUB_OFFLINE="1")
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: downloads are switched off (HF_HUB_OFFLINE is set); "
        "unset it to download Wan-AI/Wan2.1-T2V-1.3B-Diffusers"
    )


def test_pull_refuses_a_name_that_is_not_a_repo_id(capsys):
    assert main(["models", "pull", "not a repo"]) == 2
    assert capsys.readouterr().err.strip().startswith("error: 'not a repo' is not a Hugging Face repo id")

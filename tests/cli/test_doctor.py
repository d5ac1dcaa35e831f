"""`studio doctor`: the report a user reads (or pastes into a bug), run as they would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from studio.cli import main
from studio.commands import doctor

STUDIO = Path(sys.executable).with_name("studio")


def run_studio(*args: str, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(STUDIO), *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "STUDIO_HOME": str(home)},
    )


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("doctor_home")


@pytest.fixture(scope="module")
def json_report(home) -> dict:
    result = run_studio("doctor", "--json", home=home)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_json_report_describes_this_machine(json_report, home):
    import av
    import torch

    report = json_report
    assert report["python"]["version"] == ".".join(map(str, sys.version_info[:3]))
    assert report["torch"]["version"] == torch.__version__
    assert report["packages"]["PyAV"] == av.__version__
    for name in ("diffusers", "transformers", "PySide6", "OpenTimelineIO", "c2pa"):
        assert report["packages"][name], name
    cpu = [d for d in report["torch"]["devices"] if d["type"] == "cpu"]
    assert cpu and cpu[0]["total_bytes"] > 0
    assert len(report["torch"]["devices"]) - 1 == torch.cuda.device_count() + (
        1 if torch.backends.mps.is_available() else 0
    )
    # The encoders the studio writes takes and exports with, checked against PyAV itself.
    for name in ("libx264", "prores_ks", "dnxhd", "ffv1", "png"):
        assert report["encoders"][name] is True, name
    assert report["problems"] == []


def test_the_folders_and_log_file_are_the_users(json_report, home):
    assert Path(json_report["folders"]["models"]["path"]) == home.resolve() / "models"
    log_file = Path(json_report["log_file"])
    assert log_file == home.resolve() / "logs" / "studio.log"
    assert log_file.exists()  # setup_logging made it when the command started
    for folder in json_report["folders"].values():
        assert Path(folder["path"]).is_dir() and folder["writable"]


def test_the_text_report_and_help(home):
    result = run_studio("doctor", home=home)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "torch" in out and "Video encoders" in out and "ProRes" in out
    assert str(home.resolve() / "logs" / "studio.log") in out
    assert "ok: the studio can run here" in out

    top = run_studio("--help", home=home)
    assert top.returncode == 0 and "doctor" in top.stdout
    sub = run_studio("doctor", "--help", home=home)
    assert sub.returncode == 0 and "--json" in sub.stdout and "--model" in sub.stdout


def test_a_bad_option_is_one_error_line_with_exit_2(home):
    result = run_studio("doctor", "--colour", home=home)
    assert result.returncode == 2
    assert "error:" in result.stderr and "--colour" in result.stderr


def test_model_shows_the_engines_plan_when_it_can_describe_one(monkeypatch, capsys):
    from studio.engine import memory

    monkeypatch.setattr(
        memory,
        "describe_plan",
        lambda model_id: f"{model_id}: cuda, bf16, model offload",
        raising=False,
    )
    assert main(["doctor", "--model", "wan-1.3b"]) == 0
    out = capsys.readouterr().out
    assert "Memory plan" in out and "wan-1.3b: cuda, bf16, model offload" in out


def test_model_says_when_the_engine_cannot_describe_a_plan(monkeypatch, capsys):
    from studio.engine import memory

    monkeypatch.delattr(memory, "describe_plan", raising=False)
    assert main(["doctor", "--json", "--model", "demo"]) == 0
    plan = json.loads(capsys.readouterr().out)["memory_plan"]
    assert plan["available"] is False and "cannot describe" in plan["text"]


def test_a_missing_required_library_makes_it_unusable(monkeypatch, capsys):
    real = doctor._version
    monkeypatch.setattr(
        doctor, "_version", lambda dists, module: None if module == "av" else real(dists, module)
    )
    assert main(["doctor"]) == 1
    captured = capsys.readouterr()
    assert "PyAV             not installed" in captured.out  # the report is still printed
    assert captured.err.startswith("error: the studio cannot run here: PyAV is not installed")
    assert captured.err.count("\n") == 1

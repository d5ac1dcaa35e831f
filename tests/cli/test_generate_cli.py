"""`studio generate` as a user runs it, on a tiny saved Wan VACE model given by path.

Each run goes through the real engine host process. The output is checked by decoding it,
and its recipe sidecar for what made it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from studio.cli import main
from studio.core import bundle
from studio.core.edits import AddShot, UndoStack
from studio.core.model import Mode, Shot
from studio.media import read_frames, write_video

sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
from tiny_models import build_tiny

FAST = ["--size", "32x32", "--steps", "1"]


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> Path:
    return build_tiny("wan_vace", tmp_path_factory.getbasetemp() / "tiny_models")


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> dict[str, Path]:
    """A still and two short clips, wider than the 32x32 takes, to be cropped to fit."""
    folder = tmp_path_factory.mktemp("inputs")
    image = np.zeros((40, 60, 3), np.uint8)
    image[:, :30] = (40, 40, 220)  # BGR: red on the left half
    cv2.imwrite(str(folder / "still.png"), image)
    ramp = np.linspace(0, 255, 9).astype(np.uint8)
    clip_a = np.stack([np.full((32, 48, 3), (v, 80, 200 - v // 2), np.uint8) for v in ramp])
    write_video(folder / "a.mp4", clip_a, 8)
    write_video(folder / "b.mp4", clip_a[::-1].copy(), 8)
    (folder / "broken.mp4").write_bytes(b"not a video at all")
    return {"still": folder / "still.png", "a": folder / "a.mp4", "b": folder / "b.mp4",
            "broken": folder / "broken.mp4"}


def recipe_of(out: Path) -> dict:
    return json.loads(Path(f"{out}.recipe.json").read_text())["recipe"]


def test_text_to_video(model, tmp_path, capsys):
    out = tmp_path / "opening.mp4"
    args = ["generate", "a red car on a street", "--model", str(model), "--out", str(out),
            "--frames", "5", "--seed", "42", "--fps", "16", *FAST]
    assert main(args) == 0
    assert read_frames(out).shape == (5, 32, 32, 3)
    recipe = recipe_of(out)
    assert (recipe["seed"], recipe["prompt"], recipe["mode"], recipe["pins"]) == (42, "a red car on a street", "text", [])
    assert recipe["fps"] == "16"
    assert not Path(f"{out}.latents.safetensors").exists()  # no stray cache beside the file
    assert capsys.readouterr().out.startswith(f"wrote {out}")


def test_image_to_video_as_a_take_of_a_shot(model, media, tmp_path):
    project_path = tmp_path / "Film.studio"
    project = bundle.create_project(project_path, "Film")
    UndoStack(project).push(AddShot(Shot("Opening", prompt="old prompt")))
    bundle.save_project(project, project_path)
    out = tmp_path / "from_still.mkv"
    args = ["generate", "a red car", "--model", str(model), "--image", str(media["still"]),
            "--out", str(out), "--frames", "5", "--seed", "3", *FAST,
            "--project", str(project_path), "--shot", "Opening"]
    assert main(args) == 0
    assert read_frames(out).shape == (5, 32, 32, 3)
    recipe = recipe_of(out)
    assert recipe["mode"] == "image" and recipe["seed"] == 3
    assert [(p["at_frame"], p["count"], p["source"]) for p in recipe["pins"]] == [(0, 1, "still.png")]

    reopened = bundle.load_project(project_path)
    take = reopened.shot_by_name("Opening").selected_take
    assert take is not None and take.recipe.seed == 3 and take.recipe.mode is Mode.IMAGE
    item = reopened.media_item(take.media_id)
    assert item.path.startswith("media/") and (project_path / item.path).read_bytes() == out.read_bytes()
    assert (item.frames, item.width, item.height, item.generated) == (5, 32, 32, True)
    assert (project_path / "latents" / f"{take.id}.safetensors").is_file()


def test_extend_forward_gives_only_the_new_frames(model, media, tmp_path):
    out = tmp_path / "more.mp4"
    args = ["generate", "the car drives on", "--model", str(model), "--extend", str(media["a"]),
            "--out", str(out), "--frames", "4", "--seed", "9", *FAST]
    assert main(args) == 0
    assert read_frames(out).shape == (4, 32, 32, 3)
    recipe = recipe_of(out)
    # The tiny model's VAE packs 4 frames per latent: 5 pinned frames fill two latents.
    assert recipe["mode"] == "extend_forward" and recipe["frames"] == 9
    assert [(p["at_frame"], p["count"], p["source"]) for p in recipe["pins"]] == [(0, 5, "a.mp4")]


def test_infill_into_a_new_shot_of_a_project(model, media, tmp_path):
    """No --out: the take goes straight into the bundle, and --shot names a new shot."""
    project_path = tmp_path / "New.studio"
    bundle.create_project(project_path, "New")
    args = ["generate", "the car turns", "--model", str(model), "--infill", str(media["a"]),
            str(media["b"]), "--pin-frames", "1", "--frames", "3", *FAST,
            "--project", str(project_path), "--shot", "Bridge"]
    assert main(args) == 0
    project = bundle.load_project(project_path)
    shot = project.shot_by_name("Bridge")
    assert shot.mode is Mode.INFILL and len(shot.takes) == 1
    recipe = shot.takes[0].recipe
    assert [(p.at_frame, p.count, p.source) for p in recipe.pins] == [(0, 1, "a.mp4"), (4, 1, "b.mp4")]
    stored = project_path / project.media_item(shot.takes[0].media_id).path
    assert read_frames(stored).shape == (3, 32, 32, 3)
    assert sorted(p.name for p in (project_path / "media").iterdir()) == [stored.name]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (["--image", "{missing}"], "does not exist"),
        (["--image", "{broken}"], "cannot be read"),
        (["--extend", "{broken}"], "cannot be read"),
        (["--extend", "{a}", "--pin-frames", "12"], "too short"),
        (["--model", "no-such-model"], "no model named"),
        (["--frames", "6"], "4k+1"),
        (["--size", "30x20"], "multiples of 16"),
        (["--size", "big"], "--size"),
    ],
)
def test_bad_input_exits_2_with_one_line(model, media, tmp_path, capsys, extra, says):
    values = {"missing": tmp_path / "nope.png", **media}
    extra = [arg.format(**values) for arg in extra]
    out = tmp_path / "never.mp4"
    args = ["generate", "a car", "--model", str(model), "--out", str(out), "--steps", "1", *extra]
    if "--size" not in extra:
        args += ["--size", "32x32"]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err and says in err
    assert not out.exists()

"""The CUDA paths of the memory plan, on a real GPU (skipped without one)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from studio.engine import request as rq
from studio.engine.runner import run_request
from studio.media import read_frames

pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU"),
]


@pytest.mark.parametrize("offload", ["none", "model", "group", "sequential"])
def test_every_offload_makes_the_same_shape_of_take(offload, tiny_model, tmp_path):
    request = rq.text_to_video(
        "a red cat walks", model=str(tiny_model("wan_vace")), width=32, height=32, frames=9,
        steps=2, device="cuda", plan_overrides={"offload": offload},
    )
    result = run_request(request, tmp_path / "take.mkv")
    assert read_frames(result.path).shape == (9, 32, 32, 3)
    assert dict(result.recipe.extra)["dtype"] == "bfloat16"


def test_final_preset_compiles_and_matches_an_uncompiled_run(tiny_model, tmp_path):
    base = rq.text_to_video(
        "a red cat walks", model=str(tiny_model("wan")), width=32, height=32, frames=9,
        steps=10, device="cuda",
    )
    compiled = run_request(base.with_changes(plan_overrides={"compile": "on"}), tmp_path / "a.mkv")
    eager = run_request(base.with_changes(plan_overrides={"compile": "off"}), tmp_path / "b.mkv")
    difference = np.abs(read_frames(compiled.path).astype(int) - read_frames(eager.path).astype(int))
    assert difference.mean() < 8  # bf16 kernels differ a little; the picture is the same

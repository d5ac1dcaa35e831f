"""The memory plan chosen from device facts (no GPU needed: the facts are made up)."""

from __future__ import annotations

import pytest

from studio.core.errors import BadInput
from studio.engine.memory import DeviceFacts, GiB, choose_plan

B = 1_000_000_000  # parameters
H100 = DeviceFacts("cuda", "H100", 80 * GiB, 78 * GiB, (9, 0))


def test_cpu_runs_float32_in_place():
    plan = choose_plan(DeviceFacts("cpu", total_bytes=64 * GiB, free_bytes=64 * GiB), B, B // 2)
    assert (plan.device, plan.dtype, plan.offload, plan.compile) == ("cpu", "float32", "none", False)


def test_big_cuda_gpu_keeps_everything_and_compiles_final_jobs():
    plan = choose_plan(H100, 14 * B, 6 * B, preset="final", steps=30)
    assert (plan.dtype, plan.offload, plan.step_cache, plan.compile) == ("bfloat16", "none", "none", True)
    draft = choose_plan(H100, 14 * B, 6 * B, preset="draft", steps=8)
    assert draft.step_cache == "first_block" and not draft.compile


def test_older_gpus_use_float16_and_mps_too():
    old = DeviceFacts("cuda", "T4", 16 * GiB, 15 * GiB, (7, 5))
    assert choose_plan(old, B, B).dtype == "float16"
    mac = DeviceFacts("mps", "Apple GPU", 32 * GiB, 24 * GiB)
    plan = choose_plan(mac, B, B)
    assert (plan.device, plan.dtype, plan.offload) == ("mps", "float16", "none")


@pytest.mark.parametrize(
    "free_gib, offload",
    [(60, "none"), (30, "model"), (8, "group"), (2, "sequential")],
)
def test_offload_grows_as_free_memory_shrinks(free_gib, offload):
    # 14 B parameters (28 GiB in bf16), the transformer alone 10 B (about 19 GiB).
    facts = DeviceFacts("cuda", "GPU", 80 * GiB, free_gib * GiB, (8, 9))
    plan = choose_plan(facts, 14 * B, 10 * B)
    assert plan.offload == offload
    assert plan.vae_tiling == (offload != "none")
    assert "offload" in plan.describe() and plan.reasons


def test_every_choice_can_be_overridden_and_bad_overrides_are_named():
    plan = choose_plan(H100, B, B, overrides={"offload": "model", "vae_tiling": "on", "dtype": "float16",
                                              "step_cache": "taylorseer", "compile": "off"})
    assert (plan.offload, plan.vae_tiling, plan.dtype, plan.step_cache, plan.compile) == (
        "model", True, "float16", "taylorseer", False)
    with pytest.raises(BadInput, match="not a memory-plan setting"):
        choose_plan(H100, B, B, overrides={"turbo": "on"})
    with pytest.raises(BadInput, match="offload must be one of"):
        choose_plan(H100, B, B, overrides={"offload": "disk"})
    with pytest.raises(BadInput, match="offload needs a GPU"):
        choose_plan(DeviceFacts("cpu", free_bytes=GiB), B, B, overrides={"offload": "model"})


def test_settings_this_machine_or_model_cannot_honour_are_refused():
    with pytest.raises(BadInput, match="not available for this model family"):
        choose_plan(H100, B, B, compilable=False, overrides={"compile": "on"})
    assert not choose_plan(H100, B, B, compilable=False, steps=30).compile
    with pytest.raises(BadInput, match="needs a CUDA GPU"):
        choose_plan(DeviceFacts("cpu", free_bytes=GiB), B, B, overrides={"compile": "on"})


def test_doctor_can_describe_the_plan_for_a_model(tiny_model):
    from studio.engine.memory import describe_plan

    text = describe_plan(str(tiny_model("ltx")), device="cpu")
    assert "LTX-Video" in text and "dtype: float32" in text and "multiples of 32" in text

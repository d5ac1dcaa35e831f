"""Batched classifier-free guidance gives the same takes as two passes per step."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from studio.core.errors import BadInput
from studio.engine import guidance
from studio.engine import request as rq
from studio.engine.memory import DeviceFacts, GiB, choose_plan
from studio.engine.runner import run_request
from studio.media import read_frames

SMALL = {"width": 16, "height": 16, "frames": 5, "steps": 3, "fps": 8, "guidance": 4.0, "seed": 7}


def _request(kind: str, model, clip: np.ndarray) -> rq.GenerationRequest:
    fields = dict(SMALL, model=str(model), negative_prompt="blurry, dark")
    if kind == "wan_vace":  # VACE passes control latents and their scale to both passes
        return rq.extend_forward(clip, 3, "a red cat walks", **fields)
    if kind == "wan_i2v":  # image-to-video passes image embeddings to both passes
        return rq.image_to_video(clip[0], "a red cat walks", **fields)
    return rq.text_to_video("a red cat walks", **fields)


@pytest.mark.parametrize("kind", ["wan", "wan_vace", "wan_i2v"])
def test_batched_guidance_makes_the_same_take(kind, tiny_model, pipeline_cache, clip, tmp_path, monkeypatch):
    passes = []
    batched = guidance.GuidanceBatcher._batched

    def counting(self, call, negative):
        output = batched(self, call, negative)
        passes.append(output is not None)
        return output

    monkeypatch.setattr(guidance.GuidanceBatcher, "_batched", counting)
    request = _request(kind, tiny_model(kind), clip)
    plain = run_request(
        request.with_changes(plan_overrides={"batch_guidance": "off"}), tmp_path / "plain.mkv",
        cache=pipeline_cache,
    )
    assert passes == []
    together = run_request(
        request.with_changes(plan_overrides={"batch_guidance": "on"}), tmp_path / "batched.mkv",
        cache=pipeline_cache,
    )
    # The first step learns which embeddings pair up; the two after it run batched.
    assert passes == [True, True]

    a = load_file(plain.latents_path)["latents"]
    b = load_file(together.latents_path)["latents"]
    difference = (a - b).abs().max().item()
    print(f"{kind}: max latent difference {difference:.3g}")
    assert difference < 1e-5
    frames_a, frames_b = read_frames(plain.path), read_frames(together.path)
    assert frames_a.shape == frames_b.shape
    frame_difference = np.abs(frames_a.astype(int) - frames_b.astype(int)).max()
    print(f"{kind}: max frame difference {frame_difference} of 255")
    assert frame_difference <= 1
    # The job put the transformer's own forward back.
    transformer = pipeline_cache.find(tiny_model(kind)).pipe.transformer
    assert "forward" not in transformer.__dict__


@pytest.fixture
def transformer():
    from diffusers import WanTransformer3DModel
    from tiny_models import TEXT_DIM, _wan_transformer_kwargs

    torch.manual_seed(0)
    model = WanTransformer3DModel(**_wan_transformer_kwargs()).eval()
    model.text_dim = TEXT_DIM
    return model


def _inputs(seed: int, text_dim: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    latents = torch.randn(1, 16, 2, 4, 4, generator=g)
    prompt = torch.randn(1, 8, text_dim, generator=g)
    negative = torch.randn(1, 8, text_dim, generator=g)
    return latents, prompt, negative


@torch.no_grad()
def test_calls_it_does_not_recognise_run_the_plain_transformer(transformer):
    latents, prompt, negative = _inputs(1, transformer.text_dim)
    other = torch.randn_like(latents)
    t = torch.tensor([500.0])

    def plain(hidden, embeds):
        return transformer(hidden_states=hidden, timestep=t, encoder_hidden_states=embeds, return_dict=False)[0]

    want_cond, want_uncond, want_other = plain(latents, prompt), plain(latents, negative), plain(other, negative)
    batcher = guidance.GuidanceBatcher(transformer)
    try:
        # Step one: learns the pair, runs as usual.
        assert torch.allclose(plain(latents, prompt), want_cond, atol=1e-5)
        assert torch.allclose(plain(latents, negative), want_uncond, atol=1e-5)
        # A cond call runs batched, and its stash answers the matching uncond call.
        assert torch.allclose(plain(latents, prompt), want_cond, atol=1e-5)
        assert batcher.batched_passes == 1
        assert torch.allclose(plain(latents, negative), want_uncond, atol=1e-5)

        # The uncond call comes with other latents: the stash must not answer it.
        plain(latents, prompt)
        assert batcher.batched_passes == 2
        assert torch.allclose(plain(other, negative), want_other, atol=1e-5)

        # The latents were changed in place between the two calls: the stash is stale.
        changed = latents.clone()
        plain(changed, prompt)
        assert batcher.batched_passes == 3
        changed.add_(1.0)
        want_changed = batcher._forward(
            hidden_states=changed, timestep=t, encoder_hidden_states=negative, return_dict=False
        )[0]
        assert torch.allclose(plain(changed, negative), want_changed, atol=1e-5)

        # Positional arguments and unknown keywords pass straight through.
        positional = transformer(latents, t, negative, return_dict=False)[0]
        assert torch.allclose(positional, want_uncond, atol=1e-5)
        passes = batcher.batched_passes
        assert transformer(
            hidden_states=latents, timestep=t, encoder_hidden_states=prompt, return_dict=True
        ).sample.shape == want_cond.shape
        assert batcher.batched_passes == passes
    finally:
        batcher.remove()
    assert "forward" not in transformer.__dict__


H100 = DeviceFacts("cuda", "H100", 80 * GiB, 78 * GiB, (9, 0))
B = 10**9


def test_the_plan_batches_guidance_only_for_wan_final_jobs_with_room():
    pixels = 832 * 480 * 81
    assert choose_plan(H100, 14 * B, 6 * B, preset="final", steps=30, pixels=pixels, batchable=True).batch_guidance
    assert "batched guidance: on" in choose_plan(H100, B, B, batchable=True).describe()
    assert not choose_plan(H100, B, B, preset="draft", batchable=True).batch_guidance
    assert not choose_plan(H100, B, B, batchable=False).batch_guidance
    tight = DeviceFacts("cuda", "small", 48 * GiB, 40 * GiB, (9, 0))  # 14B weights fit, a second sample does not
    assert not choose_plan(tight, 14 * B, 6 * B, pixels=pixels, batchable=True).batch_guidance
    cpu = DeviceFacts("cpu", total_bytes=64 * GiB, free_bytes=64 * GiB)
    assert not choose_plan(cpu, B, B, batchable=True).batch_guidance
    assert choose_plan(cpu, B, B, batchable=True, overrides={"batch_guidance": "on"}).batch_guidance
    assert not choose_plan(H100, B, B, batchable=True, overrides={"batch_guidance": "off"}).batch_guidance
    with pytest.raises(BadInput, match="only with Wan models"):
        choose_plan(H100, B, B, overrides={"batch_guidance": "on"})
    with pytest.raises(BadInput, match="step cache"):
        choose_plan(H100, B, B, batchable=True, overrides={"batch_guidance": "on", "step_cache": "first_block"})
    assert guidance.batches_guidance(("WanVACEPipeline",))
    assert not guidance.batches_guidance(("LTXConditionPipeline", "LTXPipeline"))

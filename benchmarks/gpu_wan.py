"""Wan 2.1 1.3B-shaped transformer on a CUDA GPU: seconds per step and peak memory, presets vs stock.

A `WanTransformer3DModel` with the 1.3B checkpoint's shape and random weights (nothing is
downloaded) denoises an 832x480, 81-frame latent (21 x 60 x 104, 32,760 tokens) for a few
flow-matching steps with classifier-free guidance, under:

    stock diffusers   bfloat16, default attention, eager, cond and uncond passes one by one
                      (what `WanPipeline` does with no options)
    studio final      the engine's memory plan for the final preset: its attention backend
                      and regional compilation (`compile_repeated_blocks`)
    final, batched    the same, with the two guidance passes run as one batch of two
    studio draft      the plan for the draft preset: the FirstBlockCache step cache

For each: seconds per step, peak GPU memory, and the fraction of the GPU's dense bf16 peak
reached (one forward at this size is about 283 TFLOP, a guided step twice that; for the draft,
whose cache skips work, the figure is "effective": full-step FLOPs over the time taken).

    .venv/bin/python benchmarks/gpu_wan.py [--steps 8] [--peak-tflops 989]
    .venv/bin/python benchmarks/gpu_wan.py --smoke     # tiny shapes, any device: checks the script

No asserts: the numbers are for reading. Without CUDA it says so and exits.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WAN_1_3B = {
    "patch_size": (1, 2, 2), "num_attention_heads": 12, "attention_head_dim": 128, "in_channels": 16,
    "out_channels": 16, "text_dim": 4096, "freq_dim": 256, "ffn_dim": 8960, "num_layers": 30,
    "cross_attn_norm": True, "qk_norm": "rms_norm_across_heads", "eps": 1e-6, "rope_max_seq_len": 1024,
}
SMOKE = dict(WAN_1_3B, num_attention_heads=2, attention_head_dim=16, text_dim=32, ffn_dim=64, num_layers=2)
TEXT_TOKENS = 512

# Dense bfloat16 tensor-core peaks from the vendors' datasheets, in TFLOP/s (no sparsity).
# Checked in order, so the more specific names come first.
BF16_PEAK_TFLOPS = (
    ("H100 PCIe", 756.0), ("H100 NVL", 835.0), ("GH200", 989.0), ("H200", 989.0),
    ("H100", 989.0), ("H800", 989.0), ("B200", 2250.0), ("A100", 312.0), ("A800", 312.0),
    ("L40S", 362.0), ("RTX 6000 Ada", 364.0), ("RTX 4090", 165.0), ("L40", 181.0), ("L4", 121.0),
)


@dataclass(frozen=True)
class Shape:
    frames: int
    height: int
    width: int

    def latent(self) -> tuple[int, int, int]:
        # Wan's VAE: 4x in time (plus the first frame), 8x in space.
        return (self.frames - 1) // 4 + 1, self.height // 8, self.width // 8


def forward_flops(config: dict, shape: Shape, text_tokens: int = TEXT_TOKENS) -> float:
    """Multiply-adds x 2 of one transformer forward (matmuls only; norms and RoPE are noise)."""
    t, h, w = shape.latent()
    _, ph, pw = config["patch_size"]
    tokens = t * (h // ph) * (w // pw)
    dim = config["num_attention_heads"] * config["attention_head_dim"]
    per_layer = (
        8 * tokens * dim * dim  # self-attention q, k, v, out
        + 4 * tokens * tokens * dim  # self-attention scores and weighted sum
        + 4 * tokens * dim * dim + 4 * text_tokens * dim * dim  # cross-attention projections
        + 4 * tokens * text_tokens * dim  # cross-attention scores and weighted sum
        + 4 * tokens * dim * config["ffn_dim"]  # feed-forward
    )
    return per_layer * config["num_layers"]


def gpu_peak(name: str, override: float | None) -> float | None:
    if override:
        return override
    for key, value in BF16_PEAK_TFLOPS:
        if key.lower() in name.lower():
            return value
    return None


@dataclass
class Setup:
    label: str
    preset: str | None  # None: stock diffusers, no studio plan
    batched: bool = False


SETUPS = (
    Setup("stock diffusers", None),
    Setup("studio final", "final"),
    Setup("final, batched", "final", batched=True),
    Setup("studio draft", "draft"),
)


def build(config: dict, device, dtype):
    import torch
    from diffusers import WanTransformer3DModel

    torch.manual_seed(0)
    with torch.device(device):
        model = WanTransformer3DModel(**config)
    # As `from_pretrained(torch_dtype=bfloat16)` loads it: the modules the model class asks
    # to keep in float32 (norms, time embedding, RoPE) stay there, everything else is bf16.
    keep = set(getattr(model, "_keep_in_fp32_modules", None) or ())
    for name, tensor in [*model.named_parameters(), *model.named_buffers()]:
        if tensor.is_floating_point() and not keep.intersection(name.split(".")):
            tensor.data = tensor.data.to(dtype)
    return model.eval()


def apply_studio_plan(model, preset: str, steps: int, device: str, smoke: bool) -> str:
    """Set up `model` as the engine's plan for `preset` would; a line saying what was done."""
    from studio.engine.memory import _cache_config, choose_plan, probe_device

    params = sum(p.numel() for p in model.parameters())
    plan = choose_plan(probe_device(device), params, params, preset=preset, steps=max(steps, 10))
    done = [f"attention {plan.attention}"]
    if plan.attention != "native":
        model.set_attention_backend(plan.attention)
    if plan.compile and not smoke:
        model.compile_repeated_blocks(fullgraph=True)
        done.append("regional compile")
    if plan.step_cache != "none":
        model.enable_cache(_cache_config(plan.step_cache, steps))
        done.append(f"step cache {plan.step_cache}")
    return ", ".join(done)


def denoise(model, setup: Setup, latents, text, negative, steps: int):
    """`steps` guided flow-matching Euler steps, as a pipeline's loop runs them."""
    import torch

    sigmas = torch.linspace(1.0, 0.0, steps + 1).tolist()
    x = latents.clone()
    for i in range(steps):
        t = torch.full((x.shape[0],), sigmas[i] * 1000, device=x.device)
        context = {"step_index": i, "sigma": sigmas[i], "num_inference_steps": steps}
        if setup.batched:
            with model.cache_context("cond_uncond", **context):
                both = model(
                    hidden_states=torch.cat([x, x]), timestep=torch.cat([t, t]),
                    encoder_hidden_states=torch.cat([text, negative]), return_dict=False,
                )[0]
            cond, uncond = both.chunk(2)
        else:
            with model.cache_context("cond", **context):
                cond = model(hidden_states=x, timestep=t, encoder_hidden_states=text, return_dict=False)[0]
            with model.cache_context("uncond", **context):
                uncond = model(hidden_states=x, timestep=t, encoder_hidden_states=negative, return_dict=False)[0]
        velocity = uncond + 5.0 * (cond - uncond)
        x = x + (sigmas[i + 1] - sigmas[i]) * velocity.to(x.dtype)
    return x


def measure(setup: Setup, config: dict, shape: Shape, steps: int, device: str, smoke: bool) -> dict:
    import torch

    cuda = device.startswith("cuda")
    dtype = torch.bfloat16
    model = build(config, device, dtype)
    notes = "defaults" if setup.preset is None else apply_studio_plan(model, setup.preset, steps, device, smoke)
    t, h, w = shape.latent()
    generator = torch.Generator("cpu").manual_seed(1)
    latents = torch.randn((1, config["in_channels"], t, h, w), generator=generator).to(device, dtype)
    text = torch.randn((1, TEXT_TOKENS, config["text_dim"]), generator=generator).to(device, dtype)
    negative = torch.randn((1, TEXT_TOKENS, config["text_dim"]), generator=generator).to(device, dtype)
    with torch.inference_mode():
        denoise(model, setup, latents, text, negative, steps)  # warm-up (and compile)
        if getattr(model, "is_cache_enabled", False):
            model._reset_stateful_cache()
        if cuda:
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
        began = time.perf_counter()
        denoise(model, setup, latents, text, negative, steps)
        if cuda:
            torch.cuda.synchronize()
        seconds = time.perf_counter() - began
    peak = torch.cuda.max_memory_allocated() if cuda else 0
    del model
    if cuda:
        torch.cuda.empty_cache()
    return {"setup": setup, "notes": notes, "step_s": seconds / steps, "peak_bytes": peak}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8, help="timed guided steps per setup")
    parser.add_argument("--peak-tflops", type=float, default=None, help="the GPU's dense bf16 peak")
    parser.add_argument("--smoke", action="store_true", help="tiny shapes on any device, to check the script")
    args = parser.parse_args()
    import torch

    if not args.smoke and not torch.cuda.is_available():
        print("gpu_wan.py needs a CUDA GPU and none is available here; nothing was measured.")
        return 2
    device = "cuda" if torch.cuda.is_available() else "cpu"
    config = SMOKE if args.smoke else WAN_1_3B
    shape = Shape(9, 64, 64) if args.smoke else Shape(81, 480, 832)
    name = torch.cuda.get_device_name() if device == "cuda" else "CPU"
    flops = forward_flops(config, shape)
    peak = gpu_peak(name, args.peak_tflops) if device == "cuda" else None
    t, h, w = shape.latent()
    print(f"Wan 2.1 1.3B-shaped transformer{' (SMOKE: tiny shapes)' if args.smoke else ''}, random weights")
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {name}; torch {torch.__version__}")
    print(
        f"{shape.width}x{shape.height}, {shape.frames} frames -> latent {t}x{h}x{w}; "
        f"one forward {flops / 1e12:.1f} TFLOP, a guided step {2 * flops / 1e12:.1f} TFLOP"
    )
    print(f"bf16 peak: {f'{peak:.0f} TFLOP/s' if peak else 'unknown (pass --peak-tflops)'}")
    results = [measure(s, config, shape, args.steps, device, args.smoke) for s in SETUPS]
    stock = results[0]["step_s"]
    print(f"{'setup':16} {'s/step':>8} {'vs stock':>9} {'peak GiB':>9} {'of bf16 peak':>13}  what")
    for r in results:
        achieved = 2 * flops / r["step_s"] / 1e12
        share = f"{achieved / peak:.1%}" if peak else "-"
        if r["setup"].preset == "draft" and peak:
            share += " eff."
        print(
            f"{r['setup'].label:16} {r['step_s']:8.3f} {stock / r['step_s']:8.2f}x "
            f"{r['peak_bytes'] / 2**30:9.2f} {share:>13}  {r['notes']}"
            + ("; guidance batched" if r["setup"].batched else "")
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The memory plan: how a model is placed on a device, chosen from what the device can hold.

`choose_plan` is pure (device facts in, plan out) so every branch is tested without a GPU;
`probe_device` reads the real facts and `apply_plan` puts a loaded pipeline where the plan
says. Every choice can be overridden by name (`GenerationRequest.plan_overrides`).
"""

from __future__ import annotations

import importlib.util
import logging
from dataclasses import dataclass, replace
from typing import Any

from studio.core.errors import BadInput, StudioError

log = logging.getLogger(__name__)

GiB = 1024**3
DTYPE_BYTES = {"bfloat16": 2, "float16": 2, "float32": 4}
CHOICES = {
    "dtype": ("bfloat16", "float16", "float32"),
    "offload": ("none", "model", "group", "sequential"),
    "vae_tiling": ("on", "off"),
    "attention": ("native", "flash", "sage", "flex"),
    "step_cache": ("none", "first_block", "taylorseer"),
    "compile": ("on", "off"),
    "batch_guidance": ("on", "off"),
}
ATTENTION_PACKAGES = {"flash": "flash_attn", "sage": "sageattention"}
# Activations, the VAE decode and the CUDA context need room beyond the weights.
HEADROOM = 0.30
MIN_HEADROOM = 2 * GiB
# A video this many pixels x frames or larger decodes in tiles on a GPU.
TILING_PIXELS = 832 * 480 * 41
# Batching the two guidance passes holds a second sample's activations at once. A Wan token
# covers 16x16 pixels (8x VAE, 2x patch) over 4 frames; at its peak a transformer block holds
# about this many hidden-state-sized tensors (q/k/v, the widened FFN, norms, float32 upcasts),
# each as wide as the widest Wan (14B, 5120). Smaller models are narrower, so this overestimates.
TOKEN_PIXELS = 16 * 16 * 4
ACTIVATION_COPIES = 16
WIDEST_HIDDEN = 5120


@dataclass(frozen=True)
class DeviceFacts:
    kind: str  # "cuda", "mps", "cpu"
    name: str = ""
    total_bytes: int = 0
    free_bytes: int = 0
    capability: tuple[int, int] | None = None  # CUDA compute capability
    index: int = 0


@dataclass(frozen=True)
class MemoryPlan:
    device: str  # "cuda:0", "mps", "cpu"
    dtype: str
    offload: str
    vae_tiling: bool
    attention: str
    step_cache: str
    compile: bool
    batch_guidance: bool = False  # cond and uncond in one transformer pass (Wan families only)
    reasons: tuple[str, ...] = ()

    def torch_dtype(self) -> Any:
        import torch

        return getattr(torch, self.dtype)

    def placement(self) -> tuple[str, str, str]:
        """What a loaded pipeline is tied to; a different placement means loading again."""
        return (self.device, self.dtype, self.offload)

    def describe(self) -> str:
        lines = [
            f"device: {self.device}",
            f"dtype: {self.dtype}",
            f"offload: {self.offload}",
            f"VAE tiling: {'on' if self.vae_tiling else 'off'}",
            f"attention: {self.attention}",
            f"step cache: {self.step_cache}",
            f"regional compilation: {'on' if self.compile else 'off'}",
            f"batched guidance: {'on' if self.batch_guidance else 'off'}",
        ]
        lines += [f"  why: {reason}" for reason in self.reasons]
        return "\n".join(lines)


def choose_plan(
    facts: DeviceFacts,
    params: int,
    largest_component_params: int,
    *,
    preset: str = "final",
    steps: int = 20,
    pixels: int = 0,
    overrides: dict[str, str] | None = None,
    compilable: bool = True,
    batchable: bool = False,
) -> MemoryPlan:
    """The plan for a model of `params` parameters (its biggest part `largest_component_params`)."""
    reasons: list[str] = []
    device = f"cuda:{facts.index}" if facts.kind == "cuda" else facts.kind
    if facts.kind == "cpu":
        dtype = "float32"
        reasons.append("CPUs compute in float32")
    elif facts.kind == "mps":
        dtype = "float16"
        reasons.append("Metal GPUs run float16 best")
    elif facts.capability is not None and facts.capability >= (8, 0):
        dtype = "bfloat16"
        reasons.append("this GPU supports bfloat16")
    else:
        dtype = "float16"
        reasons.append("this GPU predates bfloat16")
    dtype = (overrides or {}).get("dtype", dtype)
    width = DTYPE_BYTES.get(dtype, 2)
    weights = params * width
    largest = largest_component_params * width
    need = weights + max(MIN_HEADROOM, int(weights * HEADROOM))

    offload = "none"
    if facts.kind == "cpu":
        reasons.append("the CPU works in system memory; nothing to offload")
    elif facts.free_bytes >= need:
        reasons.append(f"{_gib(weights)} of weights fit in {_gib(facts.free_bytes)} free")
    elif facts.free_bytes >= largest + max(MIN_HEADROOM, int(largest * HEADROOM)):
        offload = "model"
        reasons.append("the whole model does not fit, its largest part does: model offload")
    elif facts.kind == "cuda" and facts.free_bytes >= 3 * GiB:
        offload = "group"
        reasons.append("not even the transformer fits: group offload, overlapped with CUDA streams")
    else:
        offload = "sequential"
        reasons.append("very little free memory: sequential offload (slow)")

    vae_tiling = facts.kind != "cpu" and (offload != "none" or pixels >= TILING_PIXELS)
    if vae_tiling:
        reasons.append("the VAE decodes in tiles to keep its peak memory down")

    attention = "native"
    if facts.kind == "cuda" and importlib.util.find_spec("sageattention") is not None:
        attention = "sage"
    elif facts.kind == "cuda" and importlib.util.find_spec("flash_attn") is not None:
        attention = "flash"

    step_cache = "first_block" if preset == "draft" else "none"
    if step_cache != "none":
        reasons.append("draft preset: reuse transformer output between similar steps")

    compile_ = (
        facts.kind == "cuda" and preset == "final" and steps >= 10 and offload in ("none", "model")
        and compilable
    )
    if compile_:
        reasons.append("final preset on CUDA: the repeated transformer blocks are compiled")

    plan = MemoryPlan(device, dtype, offload, vae_tiling, attention, step_cache, compile_)
    plan = _apply_overrides(plan, overrides or {})
    if "batch_guidance" not in (overrides or {}):
        extra = _second_sample_bytes(max(pixels, TILING_PIXELS), width)
        batch = (
            batchable and facts.kind == "cuda" and preset == "final" and plan.offload == "none"
            and plan.step_cache == "none" and facts.free_bytes >= need + extra + MIN_HEADROOM
        )
        plan = replace(plan, batch_guidance=batch)
        if batch:
            reasons.append(f"room for a second sample's activations (~{_gib(extra)}): guidance runs in one pass")
        elif not batchable:
            reasons.append("this model family runs its guidance passes one after the other")
    if plan.batch_guidance and not batchable:
        raise BadInput("batched guidance works only with Wan models; turn batch_guidance off")
    if plan.batch_guidance and plan.step_cache != "none":
        raise BadInput("batched guidance and the step cache do not work together; turn one of them off")
    if plan.compile and not compilable:
        raise BadInput("regional compilation is not available for this model family; turn compile off")
    if plan.compile and not plan.device.startswith("cuda"):
        raise BadInput("regional compilation needs a CUDA GPU; turn compile off here")
    package = ATTENTION_PACKAGES.get(plan.attention)
    if package and importlib.util.find_spec(package) is None:
        raise BadInput(f"the {plan.attention} attention backend needs the {package} package; install it or use native")
    return replace(plan, reasons=tuple(reasons))


def _second_sample_bytes(pixels: int, width: int) -> int:
    """The activation memory one more sample in the transformer's batch needs, at most."""
    return pixels // TOKEN_PIXELS * WIDEST_HIDDEN * width * ACTIVATION_COPIES


def _apply_overrides(plan: MemoryPlan, overrides: dict[str, str]) -> MemoryPlan:
    changes: dict[str, Any] = {}
    for key, value in overrides.items():
        if key not in CHOICES:
            raise BadInput(
                f"{key!r} is not a memory-plan setting; use one of {', '.join(CHOICES)}"
            )
        if value not in CHOICES[key]:
            raise BadInput(f"{key} must be one of {', '.join(CHOICES[key])}, not {value!r}")
        changes[key] = value == "on" if key in ("vae_tiling", "compile", "batch_guidance") else value
    if plan.device == "cpu" and changes.get("offload", "none") != "none":
        raise BadInput("offload needs a GPU; on the CPU the model already lives in system memory")
    return replace(plan, **changes)


def probe_device(requested: str = "auto") -> DeviceFacts:
    """What the device `requested` ("auto", "cuda", "mps", "cpu") is and how much is free."""
    import torch

    cuda = torch.cuda.is_available()
    mps = getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    kind = requested
    if requested == "auto":
        kind = "cuda" if cuda else "mps" if mps else "cpu"
    if kind == "cuda":
        if not cuda:
            raise BadInput("no CUDA GPU is available here; use --device cpu or auto")
        index = torch.cuda.current_device()
        free, total = torch.cuda.mem_get_info(index)
        return DeviceFacts(
            "cuda", torch.cuda.get_device_name(index), total, free,
            torch.cuda.get_device_capability(index), index,
        )
    if kind == "mps":
        if not mps:
            raise BadInput("no Metal GPU is available here; use --device cpu or auto")
        total = _system_memory()
        used = torch.mps.current_allocated_memory()
        # Unified memory: the GPU may use about three quarters of it.
        return DeviceFacts("mps", "Apple GPU", total, max(int(total * 0.75) - used, 0))
    total = _system_memory()
    return DeviceFacts("cpu", "CPU", total, total)


def _system_memory() -> int:
    import os

    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return 16 * GiB


def apply_plan(pipe: Any, plan: MemoryPlan) -> None:
    """Place a freshly loaded pipeline as the plan says (device, offload)."""
    import torch

    device = torch.device(plan.device)
    if plan.offload == "none":
        pipe.to(device)
    elif plan.offload == "model":
        pipe.enable_model_cpu_offload(device=device)
    elif plan.offload == "group":
        pipe.enable_group_offload(
            onload_device=device, offload_device=torch.device("cpu"),
            offload_type="leaf_level", use_stream=True,
        )
    else:
        pipe.enable_sequential_cpu_offload(device=device)
    for transformer in _transformers(pipe):
        if plan.attention != "native":
            transformer.set_attention_backend(plan.attention)
        if plan.compile:
            transformer.compile_repeated_blocks(fullgraph=True)


def apply_job_settings(pipe: Any, plan: MemoryPlan, steps: int) -> list[str]:
    """Settings that may change from job to job on a loaded pipeline: tiling and step cache."""
    notes: list[str] = []
    if plan.vae_tiling:
        pipe.vae.enable_tiling()
    else:
        pipe.vae.disable_tiling()
    for transformer in _transformers(pipe):
        if getattr(transformer, "is_cache_enabled", False):
            transformer.disable_cache()
        if plan.step_cache == "none":
            continue
        try:
            transformer.enable_cache(_cache_config(plan.step_cache, steps))
        except (ValueError, TypeError, NotImplementedError) as exc:
            # This family's blocks are not registered for the cache: run without, and say so.
            notes.append(f"the {plan.step_cache} step cache does not work with this model ({exc})")
            log.warning("step cache %s refused: %s", plan.step_cache, exc)
    return notes


def _cache_config(name: str, steps: int) -> Any:
    from diffusers import FirstBlockCacheConfig, TaylorSeerCacheConfig

    if name == "first_block":
        return FirstBlockCacheConfig(threshold=0.05)
    if name == "taylorseer":
        return TaylorSeerCacheConfig(cache_interval=4, disable_cache_before_step=max(2, steps // 10))
    raise StudioError(f"unknown step cache {name}")


def _transformers(pipe: Any) -> list[Any]:
    return [m for m in (getattr(pipe, "transformer", None), getattr(pipe, "transformer_2", None)) if m is not None]


def describe_plan(model_id: str, device: str = "auto", preset: str = "final") -> str:
    """What `studio doctor --model ID` shows: the model and the plan it would run under."""
    from studio.engine.guidance import batches_guidance
    from studio.engine.loading import parameter_counts
    from studio.engine.sources import resolve_model

    info = resolve_model(model_id)
    counts = parameter_counts(info.path)
    facts = probe_device(device)
    plan = choose_plan(
        facts, sum(counts.values()), max(counts.values(), default=0), preset=preset,
        compilable=info.family.compilable, batchable=batches_guidance(info.family.class_names),
    )
    head = (
        f"model: {info.id} ({info.family.label}) at {info.path}\n"
        f"parameters: {_count(sum(counts.values()))}; modes: {', '.join(info.mode_names())}\n"
        f"sizes: {info.rule.describe()}\n"
        f"device: {facts.name or facts.kind}, {_gib(facts.free_bytes)} free\n"
    )
    return head + plan.describe()


def _count(params: int) -> str:
    return f"{params / 1e9:.2f} billion" if params >= 1e8 else f"{params / 1e6:.2f} million"


def _gib(value: int) -> str:
    return f"{value / GiB:.1f} GiB"

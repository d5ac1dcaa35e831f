"""Running one request: resolve the model, fit the request to it, denoise, decode, write a take.

The pipeline runs with `output_type="latent"`; the latents are saved, then decoded here, so a
decode that runs out of memory is retried in tiles from the saved latents, and a cancel
(raised from `callback_on_step_end`) never pays for a decode. A result with NaN or all-black
frames is a failure, never a take.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from studio.core.errors import BadInput, StudioError
from studio.engine import loading
from studio.engine.backends import backend_for
from studio.engine.cache import Loaded, PipelineCache
from studio.engine.events import JobCancelledError, StepInfo, TakeResult
from studio.engine.families import ModelInfo, PinSupport, mode_refusal
from studio.engine.guidance import batched_guidance, batches_guidance
from studio.engine.longshot import chain_windows
from studio.engine.memory import (
    apply_job_settings,
    apply_plan,
    choose_plan,
    describe_plan,
    probe_device,
)
from studio.engine.preview import PreviewThrottle, fit_preview_map
from studio.engine.recipe import build_recipe, recipe_to_json, write_sidecar
from studio.engine.request import GenerationRequest, Pin
from studio.engine.sources import resolve_model

log = logging.getLogger(__name__)

__all__ = ["JobCancelledError", "PipelineCache", "describe_plan", "prepare_request", "run_request"]

OnStep = Callable[[StepInfo], None]
BLACK_LEVEL = 4 / 255  # brightest pixel below this in every frame: an all-black result


# --- fitting a request to a model --------------------------------------------------------


def check_mode(request: GenerationRequest, info: ModelInfo) -> None:
    refusal = mode_refusal(info, request.mode)
    if refusal:
        raise BadInput(refusal)


def fit_to_model(request: GenerationRequest, info: ModelInfo) -> tuple[GenerationRequest, list[str]]:
    """Check the size rule; round (and report it) only when the request allows rounding."""
    rule = info.rule
    window = request.window or request.frames
    wrong = []
    if not rule.size_ok(request.width, request.height):
        wrong.append(f"{request.width}x{request.height}")
    if not rule.frames_ok(window):
        wrong.append(f"{window} frames" + (" per window" if request.window else ""))
    if not wrong:
        return request, []
    if not request.round_to_model:
        raise BadInput(
            f"{info.id} ({info.family.label}) takes {rule.describe()}, not {' and '.join(wrong)}; "
            "change the size or frame count, or allow rounding"
        )
    width, height = rule.round_size(request.width, request.height)
    changes: dict[str, Any] = {"width": width, "height": height}
    if request.window:
        changes["window"] = rule.round_frames(request.window)
        changes["overlap"] = min(request.overlap, changes["window"] - 1)
        frames = request.frames
    else:
        frames = max(rule.round_frames(request.frames), request.pinned_frames + 1)
        if not rule.frames_ok(frames):
            frames = rule.round_frames(frames + rule.temporal)
        changes["frames"] = frames
        # Pins that ended the window still end it.
        changes["pins"] = tuple(
            Pin(frames - p.count, p.frames, p.source) if p.end == request.frames and p.at_frame else p
            for p in request.pins
        )
    fitted = request.with_changes(**changes)
    note = (
        f"rounded {request.width}x{request.height}, {request.window or request.frames} frames to "
        f"{fitted.width}x{fitted.height}, {fitted.window or fitted.frames} frames "
        f"({info.family.label} takes {rule.describe()})"
    )
    log.info(note)
    return fitted, [note]


def adapt_pins(request: GenerationRequest, info: ModelInfo) -> tuple[GenerationRequest, list[str]]:
    """Families that pin single frames take a clip's frame nearest the new frames."""
    if info.pins is PinSupport.ANY or all(p.count == 1 for p in request.pins):
        return request, []
    pins = []
    for pin in request.pins:
        if pin.at_frame == 0:
            pins.append(Pin(0, pin.frames[-1:], pin.source))
        else:
            pins.append(Pin(request.frames - 1, pin.frames[:1], pin.source))
    note = f"{info.family.label} pins one frame at each end, so the pinned frame nearest the new frames was used"
    return request.with_changes(pins=tuple(pins)), [note]


@dataclass
class Prepared:
    request: GenerationRequest
    info: ModelInfo
    notes: list[str] = field(default_factory=list)


def prepare_request(request: GenerationRequest) -> Prepared:
    """Resolve the model and fit the request to it; raises BadInput before anything loads."""
    info = resolve_model(request.model)
    check_mode(request, info)
    fitted, notes = fit_to_model(request, info)
    fitted, more = adapt_pins(fitted, info)
    return Prepared(fitted, info, notes + more)


# --- running -----------------------------------------------------------------------------


@dataclass
class _Job:
    loaded: Loaded
    on_step: OnStep
    is_cancelled: Callable[[], bool]
    latents_path: Path
    total_steps: int
    throttle: PreviewThrottle = field(default_factory=PreviewThrottle)
    notes: list[str] = field(default_factory=list)


@torch.no_grad()
def run_request(
    request: GenerationRequest,
    out_path: str | Path,
    *,
    on_step: OnStep | None = None,
    is_cancelled: Callable[[], bool] | None = None,
    cache: PipelineCache | None = None,
    latents_path: str | Path | None = None,
) -> TakeResult:
    """Generate `request` into the video file `out_path` (+ `<out>.recipe.json`)."""
    out_path = Path(out_path)
    prepared = prepare_request(request)
    fitted, info = prepared.request, prepared.info
    cancelled = is_cancelled or (lambda: False)
    if cancelled():
        raise JobCancelledError()
    loaded = _load(info, fitted, cache if cache is not None else PipelineCache())
    windows = _window_count(fitted)
    job = _Job(
        loaded, on_step or (lambda info: None), cancelled,
        Path(latents_path) if latents_path else out_path.with_name(out_path.name + ".latents.safetensors"),
        fitted.steps * windows, notes=list(prepared.notes),
    )
    job.notes += apply_job_settings(loaded.pipe, loaded.plan, fitted.steps)
    try:
        with batched_guidance(loaded.pipe, loaded.plan.batch_guidance):
            if fitted.window:
                shot = chain_windows(fitted, lambda r, i: _generate(job, r, i * r.steps))
                frames = shot.frames
                job.notes += shot.notes
            else:
                frames = _generate(job, fitted, 0)
    except BaseException:
        # Latents of a failed or cancelled job are no use to anyone.
        job.latents_path.unlink(missing_ok=True)
        raise
    frames = _trim(frames, fitted)
    recipe = build_recipe(fitted, info, loaded.weights_hash, loaded.plan, mode=request.mode)
    recipe_path = _write_take(out_path, frames, fitted, recipe)
    for note in job.notes:
        log.info("note: %s", note)
    return TakeResult(
        path=str(out_path), recipe_path=str(recipe_path), frames=len(frames),
        width=int(frames.shape[2]), height=int(frames.shape[1]), fps=fitted.fps, recipe=recipe,
        notes=tuple(job.notes), latents_path=str(job.latents_path),
    )


def _write_take(out_path: Path, frames: np.ndarray, request: GenerationRequest, recipe) -> Path:
    """The video (recipe in its metadata, C2PA manifest where the container takes one) and the
    sidecar: all of them, or none."""
    from studio.interchange.c2pa_sign import can_sign, sign_file
    from studio.media import write_video

    write_video(out_path, frames, request.fps, metadata={"studio_recipe": recipe_to_json(recipe)})
    try:
        if can_sign(out_path):  # MP4 / MOV; Matroska cannot carry a manifest
            sign_file(out_path, kind="generated", recipe=recipe)
        return write_sidecar(out_path, recipe)
    except StudioError:
        out_path.unlink(missing_ok=True)
        raise
    except OSError as exc:
        out_path.unlink(missing_ok=True)
        raise StudioError(f"the recipe next to {out_path.name} could not be written ({exc.strerror})") from None


def _window_count(request: GenerationRequest) -> int:
    if not request.window:
        return 1
    stride = request.window - request.overlap
    return 1 + max(0, -(-(request.frames - request.window) // stride))


def _load(info: ModelInfo, request: GenerationRequest, cache: PipelineCache) -> Loaded:
    counts = loading.parameter_counts(info.path)
    facts = probe_device(request.device)
    backend = backend_for(info)
    plan = choose_plan(
        facts, sum(counts.values()), max(counts.values(), default=0),
        preset=request.preset, steps=request.steps,
        pixels=request.width * request.height * (request.window or request.frames),
        overrides=request.overrides(),
        compilable=info.family.compilable, batchable=batches_guidance(info.family.class_names),
    )
    log.info("memory plan for %s:\n%s", info.id, plan.describe())
    entry = cache.get(info, plan)
    if entry is not None:
        # Tiling and the step cache follow each job; compilation and attention stay as loaded.
        entry.plan = replace(plan, compile=entry.plan.compile, attention=entry.plan.attention)
        return entry
    needed = cache.estimate_bytes(sum(counts.values()), plan)
    capacity = facts.total_bytes if plan.offload == "none" else _system_memory_bytes()
    cache.make_room(info, plan, needed, capacity)
    pipe = loading.load_pipeline(info, backend.pipeline_class(), plan.torch_dtype())
    apply_plan(pipe, plan)
    side = max(64, info.rule.spatial * 4)
    entry = Loaded(
        pipe, backend, plan, loading.weights_hash(info.path), needed,
        fit_preview_map(backend, pipe, side),
    )
    cache.put(info, plan, entry)
    return entry


def _system_memory_bytes() -> int:
    # Offloaded weights live in system memory, so that is what bounds the cache then.
    return probe_device("cpu").total_bytes


def _prompt_length_notes(pipe: Any, prompt: str, tokens: int) -> list[str]:
    """A note when the prompt is longer than the model reads (the pipeline cuts the rest)."""
    count = len(pipe.tokenizer(prompt).input_ids)
    if count <= tokens:
        return []
    note = (f"the model reads the first {tokens} tokens of a prompt; this one has {count}, "
            "so its end was left out")
    return [note]


def _generate(job: _Job, request: GenerationRequest, step_offset: int) -> np.ndarray:
    """One window: denoise, save latents, decode -> uint8 [T, H, W, 3]."""
    pipe, backend = job.loaded.pipe, job.loaded.backend
    window_started = time.perf_counter()

    def on_step_end(_pipe: Any, i: int, _t: Any, tensors: dict[str, Any]) -> dict[str, Any]:
        if job.is_cancelled():
            raise JobCancelledError()
        step = step_offset + i + 1
        elapsed = time.perf_counter() - window_started
        eta = elapsed / (i + 1) * (job.total_steps - step)
        preview = None
        if job.throttle.allowed() or step == job.total_steps:
            began = time.perf_counter()
            latents = backend.preview_latents(pipe, tensors["latents"], request)
            preview = job.loaded.preview_map.to_rgb(latents)
            job.throttle.charge(time.perf_counter() - began)
        job.on_step(StepInfo(step, job.total_steps, eta, preview))
        return {}

    kwargs: dict[str, Any] = {
        "prompt": request.prompt,
        "negative_prompt": request.negative_prompt,
        "height": request.height,
        "width": request.width,
        "num_frames": request.frames,
        "num_inference_steps": request.steps,
        "guidance_scale": request.guidance,
        "generator": torch.Generator("cpu").manual_seed(request.seed),
        "output_type": "latent",
        "callback_on_step_end": on_step_end,
        "callback_on_step_end_tensor_inputs": ["latents"],
    }
    kwargs.update(backend.call_kwargs(pipe, request))
    notes = list(backend.notes(request))
    tokens = backend.info.prompt_tokens
    if tokens is not None:
        kwargs["max_sequence_length"] = tokens
        notes += _prompt_length_notes(pipe, request.prompt, tokens)
    job.notes += [n for n in notes if n not in job.notes]
    try:
        latents = backend.trim_latents(pipe(**kwargs).frames, request)
    except JobCancelledError:
        raise
    except torch.OutOfMemoryError:
        raise StudioError(
            "the GPU ran out of memory while generating; try a smaller size, fewer frames, "
            "or the offload setting `model`"
        ) from None
    if not torch.isfinite(latents).all():
        raise StudioError(
            "the model produced invalid numbers (NaN), so there is no take; try another seed "
            "or the float32 dtype"
        )
    if job.is_cancelled():
        raise JobCancelledError()
    _save_latents(job.latents_path, latents, request)
    frames = _decode(job, latents, request)
    _check_frames(frames)
    return (frames * 255).round().clip(0, 255).astype(np.uint8)


def _decode(job: _Job, latents: torch.Tensor, request: GenerationRequest) -> np.ndarray:
    pipe, backend = job.loaded.pipe, job.loaded.backend
    try:
        return backend.decode(pipe, latents, request)
    except (torch.OutOfMemoryError, RuntimeError) as exc:
        if "out of memory" not in str(exc).lower() or getattr(pipe.vae, "use_tiling", False):
            raise
        log.warning("decode ran out of memory; retrying in tiles from %s", job.latents_path)
    del latents
    if torch.cuda.is_available():
        torch.cuda.empty_cache()
    pipe.vae.enable_tiling()
    job.notes.append("the decode ran out of memory, so it was done again in tiles")
    from safetensors.torch import load_file

    return backend.decode(pipe, load_file(str(job.latents_path))["latents"], request)


def _save_latents(path: Path, latents: torch.Tensor, request: GenerationRequest) -> None:
    from safetensors.torch import save_file

    from studio.core.atomic import temp_path

    path.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_path(path)
    meta = {"model": request.model, "frames": str(request.frames), "seed": str(request.seed),
            "size": f"{request.width}x{request.height}"}
    try:
        save_file({"latents": latents.detach().float().cpu().contiguous()}, str(temp), metadata=meta)
        temp.replace(path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise StudioError(f"the latents could not be saved to {path} ({exc.strerror})") from None


def _check_frames(frames: np.ndarray) -> None:
    if not np.isfinite(frames).all():
        raise StudioError(
            "the decoded video holds invalid numbers (NaN), so there is no take; try another "
            "seed or the float32 dtype"
        )
    if frames.size == 0 or float(frames.max()) < BLACK_LEVEL:
        raise StudioError(
            "the model produced only black frames, so there is no take; try another seed or prompt"
        )


def _trim(frames: np.ndarray, request: GenerationRequest) -> np.ndarray:
    if not request.trim_pins or request.window:
        return frames[: request.frames]
    keep = np.ones(len(frames), dtype=bool)
    for pin in request.pins:
        keep[pin.at_frame : pin.end] = False
    return frames[keep]

"""Classifier-free guidance in one batched transformer pass (Wan pipelines).

The Wan pipelines (`WanPipeline`, `WanVACEPipeline`, `WanImageToVideoPipeline` in diffusers
0.42) call their transformer twice per step: with the prompt's embeddings ("cond"), then at
once with the negative prompt's ("uncond"); latents, timestep and every other input are the
very same tensor objects in both calls. On a GPU with room to spare, one pass over a doubled
batch is faster than two passes over single ones.

`GuidanceBatcher` wraps one transformer's `forward` for the length of a job. It learns the
(prompt, negative prompt) embeddings pair from the first step, which runs as usual. From then
on a cond call runs one forward with the batch doubled and returns the first half; the second
half is kept for the immediately following call, and returned only if that call has exactly
the inputs it was computed from (the same tensor objects, unmodified since). Anything else
(another call pattern, positional arguments, embeddings of different lengths, a dropped
stash) falls through to the plain transformer, so a wrong guess costs time, never a wrong
frame.

The pipelines' own code stays as it is: the module and its `cache_context`, `dtype` and
`config` are untouched; only the instance's `forward` is swapped, and put back after the job.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import torch

log = logging.getLogger(__name__)

# The pipelines whose denoising loop makes the cond/uncond pair of calls described above.
PIPELINES = frozenset({"WanPipeline", "WanVACEPipeline", "WanImageToVideoPipeline"})
EMBEDS = "encoder_hidden_states"
# Per-sample inputs: doubled along dim 0. The image embeddings of first-and-last-frame models
# hold two rows per sample, consecutive, so doubling them keeps each sample's pair together.
PER_SAMPLE = ("hidden_states", "timestep", "encoder_hidden_states_image", "control_hidden_states")
# Inputs shared by the whole batch: passed as they are.
SHARED = ("control_hidden_states_scale", "attention_kwargs", "return_dict")
KNOWN = frozenset((EMBEDS, *PER_SAMPLE, *SHARED))
PLAIN_VALUES = (bool, int, float, str, type(None))


def batches_guidance(class_names: tuple[str, ...] | frozenset[str]) -> bool:
    """Whether a family running these pipeline classes can batch its guidance passes."""
    return bool(class_names) and set(class_names) <= PIPELINES


@dataclass(frozen=True)
class _Seen:
    """One input as a call received it; a tensor also by its in-place version counter."""

    value: Any
    version: int | None

    @staticmethod
    def of(value: Any) -> _Seen:
        return _Seen(value, value._version if isinstance(value, torch.Tensor) else None)

    def same(self, value: Any) -> bool:
        if isinstance(self.value, torch.Tensor) or isinstance(value, torch.Tensor):
            return value is self.value and value._version == self.version
        if value is self.value:
            return True
        return type(value) is type(self.value) and type(value) in PLAIN_VALUES and value == self.value


class _Call:
    """The keyword inputs of one transformer call, for comparing with another call."""

    def __init__(self, kwargs: dict[str, Any]) -> None:
        self.kwargs = kwargs
        self.seen = {key: _Seen.of(value) for key, value in kwargs.items()}

    @staticmethod
    def of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> _Call | None:
        """The call, if it has the shape batching understands; None otherwise."""
        if args or not set(kwargs) <= KNOWN:
            return None
        if not all(isinstance(kwargs.get(key), torch.Tensor) for key in ("hidden_states", "timestep", EMBEDS)):
            return None
        if kwargs.get("return_dict", True) is not False:
            return None
        return _Call(kwargs)

    @property
    def embeds(self) -> torch.Tensor:
        return self.kwargs[EMBEDS]

    def same_except_embeds(self, other: _Call) -> bool:
        """Whether `other` has this call's inputs, apart from the text embeddings."""
        if set(other.kwargs) != set(self.kwargs):
            return False
        return all(seen.same(other.kwargs[key]) for key, seen in self.seen.items() if key != EMBEDS)


@dataclass
class _Stash:
    """The uncond half of a batched pass, and the call it answers."""

    call: _Call
    output: tuple[Any, ...]

    def answers(self, call: _Call) -> bool:
        return self.call.same_except_embeds(call) and self.call.seen[EMBEDS].same(call.embeds)


class GuidanceBatcher:
    """Replaces `module.forward` until `remove()`; see the module docstring."""

    def __init__(self, module: torch.nn.Module) -> None:
        self.module = module
        self.batched_passes = 0
        self._had_own_forward = "forward" in module.__dict__
        self._forward = module.forward
        self._pair: tuple[torch.Tensor, torch.Tensor] | None = None
        self._last: _Call | None = None
        self._stash: _Stash | None = None
        self._active = True
        module.forward = self  # type: ignore[method-assign]

    def remove(self) -> None:
        self._active = False
        self._pair = self._last = self._stash = None
        if self.module.__dict__.get("forward") is not self:
            # Something wrapped or replaced forward after us (an offload hook re-applied):
            # putting ours back would undo that, so stay in its chain, passing calls through.
            log.debug("forward of %s changed while batching; leaving it", type(self.module).__name__)
            return
        if self._had_own_forward:
            self.module.forward = self._forward  # type: ignore[method-assign]
        else:
            del self.module.__dict__["forward"]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # A stash answers only the very next call: taken out here whatever this call is.
        stash, self._stash = self._stash, None
        call = _Call.of(args, kwargs) if self._active else None
        if call is None:
            self._last = None
            return self._forward(*args, **kwargs)
        if stash is not None and stash.answers(call):
            return stash.output
        if self._pair is not None and call.embeds is self._pair[0]:
            output = self._batched(call, self._pair[1])
            if output is not None:
                self._last = None
                return output
        self._learn(call)
        return self._forward(**kwargs)

    def _learn(self, call: _Call) -> None:
        """Two calls in a row that differ only in their text embeddings: the guidance pair."""
        last, self._last = self._last, call
        if last is not None and call.embeds is not last.embeds and last.same_except_embeds(call):
            self._pair = (last.embeds, call.embeds)
            self._last = None
            log.debug("guidance pair found; later steps run cond and uncond in one pass")

    def _batched(self, call: _Call, negative: torch.Tensor) -> tuple[Any, ...] | None:
        kwargs = call.kwargs
        latents, timestep, embeds = kwargs["hidden_states"], kwargs["timestep"], kwargs[EMBEDS]
        size = latents.shape[0]
        if (
            timestep.dim() == 0 or timestep.shape[0] != size or embeds.shape[0] != size
            or negative.shape != embeds.shape or negative.dtype != embeds.dtype
            or negative.device != embeds.device
        ):
            # Embeddings of other lengths would need padding, which changes the attention.
            return None
        doubled = dict(kwargs)
        for key in PER_SAMPLE:
            value = kwargs.get(key)
            if isinstance(value, torch.Tensor):
                doubled[key] = torch.cat([value, value])
        doubled[EMBEDS] = torch.cat([embeds, negative])
        output = self._forward(**doubled)
        if not (isinstance(output, tuple) and output and isinstance(output[0], torch.Tensor)
                and output[0].shape[0] == 2 * size):
            log.warning("batched guidance got an output it does not understand; running unbatched")
            self._active = False
            return None
        self.batched_passes += 1
        cond, uncond = output[0][:size], output[0][size:]
        uncond_kwargs = dict(kwargs)
        uncond_kwargs[EMBEDS] = negative
        self._stash = _Stash(_Call(uncond_kwargs), (uncond, *output[1:]))
        return (cond, *output[1:])


def _transformers(pipe: Any) -> list[torch.nn.Module]:
    names = ("transformer", "transformer_2")
    return [m for m in (getattr(pipe, n, None) for n in names) if isinstance(m, torch.nn.Module)]


@contextmanager
def batched_guidance(pipe: Any, enabled: bool) -> Iterator[list[GuidanceBatcher]]:
    """For the length of the block, batch the guidance passes of `pipe`'s transformers."""
    batchers: list[GuidanceBatcher] = []
    if enabled and type(pipe).__name__ in PIPELINES:
        batchers = [GuidanceBatcher(module) for module in _transformers(pipe)]
    try:
        yield batchers
    finally:
        for batcher in batchers:
            batcher.remove()
        if batchers:
            log.info("guidance ran batched in %d passes", sum(b.batched_passes for b in batchers))

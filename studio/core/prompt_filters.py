"""Prompt filters: plugins that may refuse a prompt before any job is queued.

A filter is a class contributed under `prompt_filters`; it is made once with no arguments
and its `check(prompt, negative_prompt)` returns a `Verdict`. The CLI and the GUI both call
`check_prompt` before they queue a job, so a refused prompt never reaches the engine.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from studio.core.errors import BadInput
from studio.core.plugins import PluginRegistry

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    rule: str = ""  # the name of the rule that matched
    message: str = ""  # one sentence for the user


class PromptFilter(Protocol):
    def check(self, prompt: str, negative_prompt: str = "") -> Verdict: ...


class PromptRefused(BadInput):
    def __init__(self, verdict: Verdict) -> None:
        super().__init__(verdict.message or f"the prompt was refused by the rule {verdict.rule!r}")
        self.verdict = verdict


def check_prompt(prompt: str, negative_prompt: str = "", *,
                 registry: PluginRegistry | None = None) -> None:
    """Raise PromptRefused when any active filter refuses the prompt."""
    if registry is None:
        from studio.core.settings import load_settings

        registry = PluginRegistry.discover(disabled=set(load_settings().disabled_plugins))
    for prompt_filter in registry.instances("prompt_filters"):
        verdict = prompt_filter.check(prompt, negative_prompt)
        if not verdict.allowed:
            log.info("prompt refused by rule %r", verdict.rule)
            raise PromptRefused(verdict)

"""The prompt policy refuses what it must, names the rule, passes ordinary prompts, and
reads the artist's own edited policy file."""

import pytest

from studio.core.plugins import PluginRegistry
from studio.core.prompt_filters import PromptRefused, check_prompt


@pytest.fixture
def registry():
    return PluginRegistry.discover()


@pytest.mark.parametrize("prompt,rule", [
    ("a battlefield with severed limbs and gore", "graphic violence"),
    ("a naked woman on a beach", "sexual content"),
    ("a rally with a swastika banner", "hate"),
    ("Donald Trump dancing in the rain", "real public figures"),
    ("TAYLOR SWIFT on stage", "real public figures"),
])
def test_refused_prompts_name_the_rule(registry, prompt, rule):
    with pytest.raises(PromptRefused) as caught:
        check_prompt(prompt, registry=registry)
    assert caught.value.verdict.rule == rule
    assert rule in str(caught.value)


@pytest.mark.parametrize("prompt", [
    "a red circle moving to the right",
    "a knight rides through a misty forest at dawn",
    "Essex countryside, drone shot",  # 'sex' inside a word is not a match
    "a trumpet player on a rooftop",  # nor is 'trump' inside 'trumpet'
])
def test_ordinary_prompts_pass(registry, prompt):
    check_prompt(prompt, registry=registry)


def test_the_negative_prompt_is_not_policed(registry):
    check_prompt("a calm lake", "gore, blood", registry=registry)


def test_the_policy_file_is_editable(registry):
    from studio.core import paths

    policy = paths.config_dir() / "prompt_policy.toml"
    check_prompt("a calm lake", registry=registry)  # first use writes the editable copy
    assert "graphic violence" in policy.read_text()
    policy.write_text('[[rule]]\nname = "no lakes"\nmessage = "lakes are off"\n'
                      'patterns = ["lakes?"]\n')
    with pytest.raises(PromptRefused, match="no lakes"):
        check_prompt("a calm lake", registry=registry)
    check_prompt("gore", registry=registry)  # the artist's file replaced the default rules


def test_disabled_policy_lets_everything_through():
    check_prompt("gore", registry=PluginRegistry.discover(disabled={"prompt_policy"}))

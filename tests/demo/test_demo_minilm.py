"""MiniLM, the demo model's text encoder, loads offline from the installed package."""

from __future__ import annotations

import torch

from studio.demo.data import PromptEncoder
from studio.engine.minilm import MINILM_DIM, load_minilm


@torch.no_grad()
def test_minilm_gives_per_token_states_like_the_pipeline_reads() -> None:
    tokenizer, encoder = load_minilm()
    texts = [
        "a red circle moving to the right",
        "",
        "plain navy: a large yellow diamond drifting towards the top slowly",
    ]
    padded = tokenizer(
        texts, padding="max_length", max_length=64, truncation=True, return_tensors="pt"
    )
    states = encoder(padded.input_ids, padded.attention_mask).last_hidden_state
    assert states.shape == (3, 64, MINILM_DIM)
    # Training encodes a batch of prompts padded only to the longest and pads the states with
    # zeros, as the pipeline zeroes the padding: the real tokens' states must not depend on it.
    prompts = PromptEncoder(64)
    ours = prompts.batch([texts[0], *texts])
    for i, text in enumerate([texts[0], *texts]):
        j = texts.index(text)
        n = int(padded.attention_mask[j].sum())
        torch.testing.assert_close(ours[i, :n], states[j, :n], atol=1e-4, rtol=1e-4)
        assert ours[i, n:].abs().max() == 0
    # Cached states come back the same, also when the cache fills up and starts again.
    torch.testing.assert_close(prompts.batch(texts[::-1]), ours[1:].flip(0))
    prompts.CACHE = 3  # holds `texts`: one more prompt empties it
    again = prompts.batch([*texts, "a blue square"])
    torch.testing.assert_close(again[:3], ours[1:])
    torch.testing.assert_close(again[3], prompts.batch(["a blue square"])[0])

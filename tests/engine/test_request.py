"""Requests: validation with clear messages, modes derived from pins, cheap to send."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

from studio.core.errors import BadInput
from studio.core.model import Mode
from studio.engine import request as rq


def image(value: int = 100) -> np.ndarray:
    return np.full((16, 16, 3), value, np.uint8)


def test_modes_follow_the_pins(clip):
    assert rq.text_to_video("a cat").mode is Mode.TEXT
    assert rq.image_to_video(image(), "a cat", frames=9).mode is Mode.IMAGE
    forward = rq.extend_forward(clip, 3, "a cat", frames=9)
    assert forward.mode is Mode.EXTEND_FORWARD
    assert forward.pins[0].at_frame == 0 and np.array_equal(forward.pins[0].frames, clip[-3:])
    backward = rq.extend_backward(clip, 2, "a cat", frames=9)
    assert backward.mode is Mode.EXTEND_BACKWARD
    assert backward.pins[0].at_frame == 7 and np.array_equal(backward.pins[0].frames, clip[:2])
    fill = rq.infill(clip[-2:], clip[:3], "a cat", frames=13)
    assert fill.mode is Mode.INFILL and [p.at_frame for p in fill.pins] == [0, 10]
    assert fill.output_frames == 13 - 5
    assert rq.long_shot("a cat", frames=40, window=17, overlap=4).mode is Mode.LONG
    first_last = rq.image_to_video(image(1), "a cat", last_image=image(2), frames=9)
    assert first_last.mode is Mode.INFILL and first_last.output_frames == 9


@pytest.mark.parametrize(
    "fields, words",
    [
        ({"prompt": "  "}, "prompt is empty"),
        ({"prompt": "x", "width": 0}, "width must be"),
        ({"prompt": "x", "frames": 0}, "frame count"),
        ({"prompt": "x", "steps": 0}, "steps must be"),
        ({"prompt": "x", "seed": -1}, "seed must be"),
        ({"prompt": "x", "preset": "fast"}, "preset must be one of draft, final"),
        ({"prompt": "x", "device": "tpu"}, "device must be one of"),
        ({"prompt": "x", "fps": "fast"}, "not a frame rate"),
        ({"prompt": "x", "guidance": float("nan")}, "guidance"),
        ({"prompt": "x", "window": 5, "overlap": 5, "frames": 20}, "overlap"),
        ({"prompt": "x", "model": ""}, "no model"),
        ({"prompt": "x", "plan_overrides": {"turbo": "on"}}, "not a memory-plan setting"),
        ({"prompt": "x", "plan_overrides": {"offload": "disk"}}, "offload must be one of"),
    ],
)
def test_bad_fields_are_refused_with_the_rule(fields, words):
    with pytest.raises(BadInput, match=words):
        rq.GenerationRequest(**fields)


def test_pins_must_fit_and_not_overlap_or_fill_everything(clip):
    with pytest.raises(BadInput, match="do not fit in 5 frames"):
        rq.GenerationRequest("x", frames=5, pins=(rq.Pin(3, clip[:3]),))
    with pytest.raises(BadInput, match="overlap"):
        rq.GenerationRequest("x", frames=9, pins=(rq.Pin(0, clip[:3]), rq.Pin(2, clip[:1])))
    with pytest.raises(BadInput, match="nothing to generate"):
        rq.GenerationRequest("x", frames=3, pins=(rq.Pin(0, clip[:3]),))
    with pytest.raises(BadInput, match="describe no mode"):
        rq.GenerationRequest("x", frames=9, pins=(rq.Pin(4, clip[:1]),))
    with pytest.raises(BadInput, match="uint8"):
        rq.Pin(0, clip.astype(np.float32))
    with pytest.raises(BadInput, match="too short to pin 20"):
        rq.extend_forward(clip, 20, "x")


def test_requests_are_frozen_plain_data_with_stable_pin_hashes(clip):
    request = rq.extend_forward(clip, 3, "a cat", frames=9, fps="23.976")
    again = pickle.loads(pickle.dumps(request))
    assert again == request
    assert again.pins[0].sha256 == rq.Pin(0, clip[-3:].copy()).sha256
    assert rq.Pin(0, clip[-3:]).sha256 != rq.Pin(0, clip[-4:]).sha256
    assert request.fps.denominator == 1001
    with pytest.raises(AttributeError):
        request.prompt = "other"  # type: ignore[misc]
    with pytest.raises(ValueError):
        request.pins[0].frames[0, 0, 0, 0] = 1  # the pinned pixels cannot change under a job


def test_importing_requests_does_not_import_torch():
    code = (
        "import sys, studio.engine.request, studio.engine.events, studio.engine.families, "
        "studio.engine.sources; print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

"""The trainer's direction and colour terms: captions with the directions reversed or the shapes
recoloured, and a hinge that makes the model's error depend on those words."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from studio.demo import model as M
from studio.demo.captions import (
    DIRECTION_WORDS,
    caption,
    every_mover,
    nearest_colour,
    recoloured_caption,
    reversed_caption,
)
from studio.demo.data import PromptEncoder
from studio.demo.flow import FlowTrainer
from studio.demo.scenes import OPPOSITE, SHAPE_COLOURS, make_scene

# The direction term's wrong caption and margin, as the trainer passes them.
REVERSED = next(c[1:] for c in FlowTrainer.CONTRASTS if c[0] == "direction_contrast")
_PHRASES = sorted(
    {w for words in DIRECTION_WORDS.values() for group in words for w in group}, key=len
)[::-1]


def _without_directions(text: str) -> str:
    for phrase in _PHRASES:
        text = text.replace(f" {phrase}", " _")
    return text


@pytest.mark.parametrize("held_out", [False, True])
def test_a_reversed_caption_differs_only_in_its_direction_words(held_out: bool) -> None:
    for seed in range(60):
        scene = make_scene(seed)
        text = caption(scene, seed * 7, held_out)
        flipped = reversed_caption(scene, seed * 7, held_out)
        assert flipped != text
        assert _without_directions(flipped) == _without_directions(text)
        # It is the true caption of the clip with every shape going the other way.
        back = every_mover(scene, lambda m: {"direction": OPPOSITE[m.direction]})
        assert back.movers[0].direction != scene.movers[0].direction
        assert reversed_caption(back, seed * 7, held_out) == text


def test_the_nearest_colour_is_the_closest_other_one_and_yellow_and_orange_are_pairs() -> None:
    assert nearest_colour("yellow") == "orange" and nearest_colour("orange") == "yellow"
    assert nearest_colour("purple") == "blue" and nearest_colour("blue") == "purple"

    def apart(a: str, b: str) -> float:
        return float(np.linalg.norm(np.subtract(SHAPE_COLOURS[a], SHAPE_COLOURS[b])))

    for name in SHAPE_COLOURS:
        near = nearest_colour(name)
        assert near != name
        assert all(apart(name, near) <= apart(name, o) for o in SHAPE_COLOURS if o != name)


@pytest.mark.parametrize("held_out", [False, True])
def test_a_recoloured_caption_differs_only_in_its_colour_words(held_out: bool) -> None:
    for seed in range(60):
        scene = make_scene(seed)
        text = caption(scene, seed * 7, held_out)
        changed = recoloured_caption(scene, seed * 7, held_out)
        assert changed != text
        # Word for word the same but the colours (and "a"/"an" before them).
        words, others = text.split(), changed.split()
        assert len(words) == len(others)
        for a, b in zip(words, others, strict=True):
            if a != b and a not in ("a", "an"):
                assert a.strip(",") in SHAPE_COLOURS and b.strip(",") == nearest_colour(a.strip(","))
        # It is the true caption of the clip with every shape in its nearest other colour.
        other = every_mover(scene, lambda m: {"colour": nearest_colour(m.colour)})
        assert other.movers[0].colour != scene.movers[0].colour
        assert caption(other, seed * 7, held_out) == changed


def _shape_errors(trainer: FlowTrainer, batch: list[dict], sigmas, noise, key: str) -> np.ndarray:
    with torch.no_grad():
        errors = trainer._errors(trainer.transformer, batch, sigmas, noise, [b[key] for b in batch])
    shapes = torch.stack([b["shapes"] for b in batch])
    return ((errors * shapes).sum(dim=(1, 2, 3, 4)) / shapes.sum(dim=(1, 2, 3, 4))).numpy()


# Per term: the trainer's weight for it, the wrong caption's key, its margin, and where the held-out
# check reports it in `validation_losses`.
TERMS = {
    "direction": ("direction_contrast", "reversed", FlowTrainer.DIRECTION_MARGIN, 2),
    "colour": ("colour_contrast", "recoloured", FlowTrainer.COLOUR_MARGIN, 3),
}


@pytest.mark.parametrize("term", TERMS)
def test_a_contrast_term_makes_the_error_depend_on_its_words(term: str) -> None:
    weight, key, margin, figure = TERMS[term]
    torch.manual_seed(0)
    trainer = FlowTrainer(
        M.new_transformer(0), M.new_vae(0), 3e-4, torch.device("cpu"), **{weight: 1.0}
    )
    trainer.attach(PromptEncoder(24))
    rng = np.random.default_rng(0)
    batch = trainer._encode_samples([11, 12], rng, torch.ones(2, 17))
    sigmas = torch.tensor([0.6, 0.8])
    noise = torch.randn(2, *batch[0]["x0"].shape)
    texts = [b["text"] for b in batch]

    def gap() -> np.ndarray:
        wrong = _shape_errors(trainer, batch, sigmas, noise, key)
        return wrong / _shape_errors(trainer, batch, sigmas, noise, "text") - 1

    def heard() -> float:
        """The figure the trainer logs at each held-out check, on these two samples."""
        trainer.ema.load_state_dict(trainer.transformer.state_dict())
        val = {"samples": batch, "sigmas": sigmas, "noise": noise, "texts": texts}
        return trainer.validation_losses(val, 4.0)[figure]

    before = gap()
    # An untrained model barely reads the prompt: changing it changes little.
    assert np.abs(before).max() < margin
    assert abs(heard() - 1) < margin
    trainer.transformer.train()
    for _ in range(25):
        errors = trainer._errors(trainer.transformer, batch, sigmas, noise, texts)
        hinge = trainer.contrast_hinge(errors, batch, sigmas, noise, texts, key, margin)
        trainer.opt.zero_grad()
        hinge.backward()
        trainer.opt.step()
    # Only those words differ, so the model now reads them: on the sample the term contrasts
    # (half the batch, the first), the wrong caption's error on the shapes is clearly above the
    # true one's, and the held-out figure over both rises with it.
    assert gap()[0] > margin / 2
    assert heard() > 1 + margin / 4


def test_samples_without_a_caption_are_left_out_of_the_direction_term() -> None:
    trainer = FlowTrainer(
        M.new_transformer(0), M.new_vae(0), 3e-4, torch.device("cpu"), direction_contrast=1.0
    )
    errors = torch.ones(2, 1, 5, 16, 16)
    # Both captions dropped (classifier-free guidance training): nothing to contrast.
    empty = ["", ""]
    hinge = trainer.contrast_hinge(errors, [{}, {}], torch.ones(2), torch.ones(2), empty, *REVERSED)
    assert float(hinge) == 0.0


def test_samples_noised_less_than_the_floor_are_left_out_of_the_direction_term() -> None:
    torch.manual_seed(0)
    trainer = FlowTrainer(
        M.new_transformer(0),
        M.new_vae(0),
        3e-4,
        torch.device("cpu"),
        direction_contrast=1.0,
        direction_min_sigma=0.5,
    )
    trainer.attach(PromptEncoder(24))
    batch = trainer._encode_samples([11, 12], np.random.default_rng(0), torch.ones(2, 17))
    noise = torch.randn(2, *batch[0]["x0"].shape)
    texts = [b["text"] for b in batch]

    def hinge(sigmas: list[float]) -> float:
        s = torch.tensor(sigmas)
        with torch.no_grad():
            errors = trainer._errors(trainer.transformer, batch, s, noise, texts)
            return float(trainer.contrast_hinge(errors, batch, s, noise, texts, *REVERSED))

    # An untrained model's errors barely depend on the words, so the margin makes the hinge
    # positive wherever it applies.
    assert hinge([0.3, 0.4]) == 0.0
    assert hinge([0.3, 0.8]) > 0.0

"""The transformer's loss can weigh the latents the shapes touch more than the background's."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from studio.demo import model as M
from studio.demo.flow import SHAPE_MARGIN, FlowTrainer, latent_shape_masks
from studio.demo.scenes import Scene, make_scene, render, shape_masks


def _without_shapes(scene: Scene) -> Scene:
    return Scene(scene.seed, scene.background, scene.background2, scene.gradient, ())


def test_shape_masks_cover_every_pixel_a_shape_changes() -> None:
    scene = make_scene(7)
    changed = np.abs(render(scene).astype(int) - render(_without_shapes(scene)).astype(int)).max(-1)
    masks = shape_masks(scene)
    # Pixels a shape fully covers are in the mask; anti-aliased edge pixels may fall just outside.
    assert masks[changed > 100].all()
    assert not masks[changed == 0].any()
    assert 0 < masks.mean() < 0.2


@pytest.mark.parametrize(("spatial", "temporal"), [(M.SPATIAL, M.TEMPORAL), (4, 4)])
def test_latent_masks_follow_the_vae_grouping_of_frames(spatial: int, temporal: int) -> None:
    """The demo layout (two frames a latent) and Wan's 4x in time, which older folders have."""
    scene = make_scene(7)
    px = shape_masks(scene)
    lat = latent_shape_masks(shape_masks(make_scene(7))[None], spatial, temporal)[0, 0].numpy()
    assert lat.shape == ((len(px) - 1) // temporal + 1, 64 // spatial, 64 // spatial)
    # Latent frame 0 codes pixel frame 0 alone; latent frame k codes frames t(k-1)+1 .. tk.
    groups = [[0]] + [
        list(range(temporal * (k - 1) + 1, temporal * k + 1)) for k in range(1, len(lat))
    ]
    for k, frames in enumerate(groups):
        ys, xs = np.nonzero(px[frames].any(0))
        assert lat[k, ys // spatial, xs // spatial].all()
        # Grown by SHAPE_MARGIN pixels, no further: a latent whose pixels all lie further than
        # that from every shape pixel is clear.
        near = np.zeros(lat.shape[1:], dtype=bool)
        for y, x in zip(ys, xs, strict=True):
            rows = slice(max(0, y - SHAPE_MARGIN) // spatial, (y + SHAPE_MARGIN) // spatial + 1)
            cols = slice(max(0, x - SHAPE_MARGIN) // spatial, (x + SHAPE_MARGIN) // spatial + 1)
            near[rows, cols] = True
        assert (lat[k] == near).all()
    assert lat.mean() < 0.5


class _Prompts:
    def batch(self, texts: list[str]) -> torch.Tensor:
        return torch.zeros(len(texts), 4, 384)


class _Model:
    """Predicts the flow target plus a given error, whatever it is asked."""

    training = False

    def __init__(self, target: torch.Tensor, error: torch.Tensor) -> None:
        self.out = target + error

    def __call__(self, **kwargs: object) -> tuple[torch.Tensor]:
        return (self.out,)


def test_an_error_on_the_shapes_costs_more_than_the_same_error_on_the_background() -> None:
    trainer = FlowTrainer(M.new_transformer(0), M.new_vae(0), 1e-4, torch.device("cpu"))
    trainer.prompts = _Prompts()  # type: ignore[assignment]
    shapes = latent_shape_masks(shape_masks(make_scene(7))[None], M.SPATIAL, M.TEMPORAL)
    x0 = torch.randn(1, M.Z_DIM, *shapes.shape[2:])
    noise = torch.randn_like(x0)
    batch = [{"x0": x0[0], "control": torch.zeros(1), "text": "", "shapes": shapes[0]}]
    sigma = torch.tensor([0.5])
    target = noise - x0
    # The same number of wrong latents, once on the shapes and once on the background.
    on_shapes = shapes.expand_as(x0).clone()
    background = torch.zeros_like(on_shapes)
    free = torch.nonzero((shapes == 0).expand_as(x0).flatten())[: int(on_shapes.sum())]
    background.view(-1)[free] = 1.0

    def loss(error: torch.Tensor, weight: float) -> float:
        model = _Model(target, error)
        errors = trainer._errors(model, batch, sigma, noise, [""])  # type: ignore[arg-type]
        return float(trainer._weighted(errors, batch, weight))

    assert abs(loss(on_shapes, 0.0) - loss(background, 0.0)) < 1e-6
    assert loss(on_shapes, 4.0) > 2 * loss(background, 4.0)

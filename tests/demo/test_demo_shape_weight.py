"""The transformer's loss can weigh the latents the shapes touch more than the background's."""

from __future__ import annotations

import numpy as np
import torch

from studio.demo import model as M
from studio.demo.scenes import Scene, make_scene, render, shape_masks
from studio.demo.trainsteps import FlowTrainer, latent_shape_masks


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


def test_latent_masks_follow_the_vae_grouping_of_frames() -> None:
    scene = make_scene(7)
    px = shape_masks(scene)
    lat = latent_shape_masks([7])[0, 0].numpy()
    assert lat.shape == (5, 16, 16)
    # Latent frame 0 codes pixel frame 0 alone; latent frame k codes frames 4k-3 .. 4k.
    groups = [[0]] + [list(range(4 * k - 3, 4 * k + 1)) for k in range(1, 5)]
    for k, frames in enumerate(groups):
        ys, xs = np.nonzero(px[frames].any(0))
        assert lat[k, ys // M.SPATIAL, xs // M.SPATIAL].all()
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
    shapes = latent_shape_masks([7])
    x0 = torch.randn(1, M.Z_DIM, 5, 16, 16)
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

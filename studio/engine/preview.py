"""Cheap step previews: latents -> RGB by a linear map, no VAE decode.

The map is fitted per model once, when the pipeline is loaded: a colour chart is encoded by
the model's own VAE and a least-squares fit finds the [C -> RGB] matrix and bias that best
explain the chart's colours from its latents. That works for every family (and for models
nobody published factors for) at the cost of one small VAE encode.

Previews are throttled to a time budget so they never slow a job by more than a few percent.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

log = logging.getLogger(__name__)

PREVIEW_SIDE = 160  # longest side of a preview image, pixels
BUDGET = 0.03  # previews may take at most this share of the job's time
CHART_CELLS = 4  # the chart is CHART_CELLS x CHART_CELLS colour patches


@dataclass(frozen=True)
class PreviewMap:
    matrix: torch.Tensor  # [3, C]
    bias: torch.Tensor  # [3]

    def to_rgb(self, latents: torch.Tensor) -> np.ndarray:
        """[C, F, h, w] latents -> uint8 [h', w', 3] preview of the middle frame."""
        frame = latents[:, latents.shape[1] // 2].float().cpu()  # [C, h, w]
        rgb = torch.einsum("rc,chw->rhw", self.matrix, frame) + self.bias[:, None, None]
        image = rgb.clamp(0, 1).mul(255).round().byte().permute(1, 2, 0).numpy()
        return _enlarge(image)


def colour_chart(side: int) -> torch.Tensor:
    """A chart of saturated, pastel and grey patches, [1, 3, 1, side, side] in [-1, 1]."""
    rng = np.random.default_rng(0)
    colours = rng.uniform(0, 1, size=(CHART_CELLS * CHART_CELLS, 3))
    colours[:6] = [[0, 0, 0], [1, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1], [0.5, 0.5, 0.5]]
    cell = side // CHART_CELLS
    chart = np.zeros((side, side, 3), dtype=np.float32)
    for i, colour in enumerate(colours):
        row, col = divmod(i, CHART_CELLS)
        chart[row * cell : (row + 1) * cell, col * cell : (col + 1) * cell] = colour
    tensor = torch.from_numpy(chart).permute(2, 0, 1)[None, :, None] * 2 - 1
    return tensor


def fit_preview_map(backend: Any, pipe: Any, side: int) -> PreviewMap:
    """Fit the latent -> RGB map for this model by encoding a colour chart."""
    chart = colour_chart(side)
    with torch.no_grad():
        latents = backend.encode_for_preview(pipe, chart).float().cpu()  # [C, h, w]
    channels, height, width = latents.shape
    target = torch.nn.functional.interpolate(
        (chart[:, :, 0] + 1) / 2, size=(height, width), mode="area"
    )[0]  # [3, h, w]
    x = torch.cat([latents.reshape(channels, -1), torch.ones(1, height * width)]).T  # [N, C+1]
    y = target.reshape(3, -1).T  # [N, 3]
    # Ridge regularisation keeps the fit sane when there are more channels than patches.
    gram = x.T @ x + 1e-3 * torch.eye(channels + 1)
    weights = torch.linalg.solve(gram, x.T @ y)  # [C+1, 3]
    return PreviewMap(weights[:-1].T.contiguous(), weights[-1].contiguous())


class PreviewThrottle:
    """Says when a preview may be made so that previews cost at most BUDGET of the job."""

    def __init__(self, budget: float = BUDGET) -> None:
        self.budget = budget
        self.started = time.perf_counter()
        self.spent = 0.0

    def allowed(self) -> bool:
        elapsed = time.perf_counter() - self.started
        return self.spent <= self.budget * elapsed

    def charge(self, seconds: float) -> None:
        self.spent += seconds


def _enlarge(image: np.ndarray) -> np.ndarray:
    """Nearest-neighbour upscale so the longest side is about PREVIEW_SIDE (latents are tiny)."""
    height, width = image.shape[:2]
    factor = max(1, PREVIEW_SIDE // max(height, width))
    if factor > 1:
        image = image.repeat(factor, axis=0).repeat(factor, axis=1)
    return np.ascontiguousarray(image)

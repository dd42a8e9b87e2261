"""Regression: mean squared error on the 1-D synthetic line ``y = slope x + intercept + noise``.

The model is the seed notes' first one: with MSE, gradient descent approaches the
least-squares line, so the trained weight and bias should recover the true slope and intercept.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch.nn.functional as F
from torch import nn

from archlens.data import make_regression
from archlens.data.datasets import RegressionDataset
from archlens.core.kinds.args import Float
from archlens.train.data import materialize
from archlens.train.tasks.registry import register_task
from archlens.train.tasks.base import Task, TrainData, no_data_dir


@dataclass(frozen=True)
class RegressionSettings:
    slope: Float = 2.0        # true slope of the generated line, y units per x unit
    intercept: Float = -1.0   # true intercept, y units


def line_data(config, settings) -> TrainData:
    d = config.data
    make = lambda n, seed: make_regression(n, settings.slope, settings.intercept, d.noise_std,
                                           seed=seed)
    return TrainData(materialize(RegressionDataset(make(d.n_train, d.seed))),
                     materialize(RegressionDataset(make(d.n_val, d.seed + 1))),
                     source=f"synthetic line (seed {d.seed})",
                     truth={"slope": settings.slope, "intercept": settings.intercept,
                            "noise_std": d.noise_std})


def single_linear(model: nn.Module) -> nn.Linear | None:
    """The model's only Linear layer when it maps 1 input to 1 output (slope and intercept)."""
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    ok = len(linears) == 1 and linears[0].in_features == 1 and linears[0].bias is not None
    return linears[0] if ok else None


@register_task("regression")
class Regression(Task):
    """MSE regression; final facts are the fitted slope and intercept of a 1-in 1-out line."""

    Settings = RegressionSettings

    def data(self, spec, config, data_dir) -> TrainData:
        no_data_dir("regression", data_dir)
        return line_data(config, self.settings(config, spec.where))

    def loss(self, model, batch):
        x, y = batch
        out = model(x)
        return F.mse_loss(out, y), out

    def final(self, model, data, config) -> dict:
        fc = single_linear(model)
        if fc is None or fc.out_features != 1:
            return {}
        return {"slope": fc.weight.item(), "intercept": fc.bias.item()}

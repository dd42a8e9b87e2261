"""Bias and variance of a classifier, measured with real harness runs.

For each model capacity (the recipe's ``width`` multiplier) the spec's quick recipe trains
``repeats`` times, each on an independent training set and from its own initial weights
(``data.seed`` and ``seed`` change together). Every trained model predicts class probabilities
``p_r(x)`` on one common test set, and the expected squared error of those probabilities
against the one-hot truth ``y(x)`` (the Brier score) splits exactly into

    E_r ||p_r(x) - y(x)||^2  =  ||p̄(x) - y(x)||^2  +  E_r ||p_r(x) - p̄(x)||^2
         expected error            bias²                   variance

where ``p̄`` is the mean prediction over the runs (Geman, Bienenstock & Doursat 1992, applied
to probability vectors). The generated labels carry no noise, so there is no noise term. The
identity holds for the sample mean as well, which ``decompose`` relies on and the tests check.
"""
from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import default_collate

from archlens.nn.build import build_model
from archlens.spec.load import load_spec, with_num_classes
from archlens.train import checkpoint
from archlens.train.config import as_dict, recipe
from archlens.train.run import TrainOptions, train
from archlens.train.tasks import get_task

TEST_SEED = 10_000          # data seed of the common test set, far from the training seeds


@dataclass(frozen=True)
class Decomposition:
    error: float            # mean over test points and runs of ||p_r - y||^2
    bias2: float            # mean over test points of ||p̄ - y||^2
    variance: float         # mean over test points and runs of ||p_r - p̄||^2
    test_accuracy: float    # mean over runs of the test-set accuracy


def decompose(probs: torch.Tensor, targets: torch.Tensor) -> Decomposition:
    """``probs``: (runs, N, K) class probabilities; ``targets``: (N,) class ids."""
    onehot = torch.nn.functional.one_hot(targets, probs.shape[-1]).to(probs.dtype)
    mean = probs.mean(0)
    error = ((probs - onehot) ** 2).sum(-1).mean()
    bias2 = ((mean - onehot) ** 2).sum(-1).mean()
    variance = ((probs - mean) ** 2).sum(-1).mean()
    accuracy = (probs.argmax(-1) == targets).double().mean()
    return Decomposition(float(error), float(bias2), float(variance), float(accuracy))


def sweep(spec_name: str, widths: list[float], repeats: int, overrides: dict | None = None,
          n_test: int = 1000, progress=None) -> list[dict]:
    """One row per width: the decomposition on the test set and the runs' mean final
    training and validation accuracy (validation: each run's own held-out set)."""
    spec = load_spec(spec_name)
    task = get_task(spec.task, spec.where)
    test_config = recipe(spec, "quick", {**(overrides or {}), "data.seed": TEST_SEED,
                                         "data.n_train": 1, "data.n_val": n_test})
    test_data = task.data(spec, test_config, None)      # its validation set is the test set
    inputs, targets = default_collate([test_data.val[i] for i in range(len(test_data.val))])
    rows = []
    for width in widths:
        probs, train_acc, val_acc = [], [], []
        for r in range(repeats):
            run_overrides = {**(overrides or {}), "width": width, "seed": r, "data.seed": 100 * r}
            model, result = _trained(spec, test_data.num_classes, run_overrides)
            with torch.no_grad():
                probs.append(torch.softmax(model.eval()(inputs).double(), -1))
            train_acc.append(result.history[-1]["train_accuracy"])
            val_acc.append(result.final["accuracy"])
            if progress:
                progress(width, r)
        d = decompose(torch.stack(probs), targets)
        rows.append({"width": width, "params": sum(p.numel() for p in model.parameters()),
                     "error": d.error, "bias2": d.bias2, "variance": d.variance,
                     "test_accuracy": d.test_accuracy,
                     "train_accuracy": sum(train_acc) / repeats,
                     "val_accuracy": sum(val_acc) / repeats})
    return rows


def _trained(spec, num_classes: int, overrides: dict):
    """Train one quick run in a scratch folder; the model with its final weights, and the result."""
    config = recipe(spec, "quick", overrides)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        result = train(spec, TrainOptions(quick=True, out=out, overrides=overrides))
        state = checkpoint.load(out / checkpoint.CHECKPOINT, as_dict(config))
    # the architecture the run trained; its initial weights do not matter, the trained ones load
    model = build_model(with_num_classes(spec, num_classes), input=config.input, width=config.width)
    model.load_state_dict(state["model"])
    return model, result

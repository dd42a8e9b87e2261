"""Every bundled spec: its quick recipe learns (held-out thresholds of issue 5), and one
optimisation step at native size gives a finite loss and changes the weights."""
import time

import pytest
import torch

from archlens.spec import bundled_specs, load_spec
from archlens.train import TrainOptions, train
from archlens.train.config import recipe
from archlens.train.data import first_inputs
from archlens.train.model import optimizer, training_model
from archlens.train.tasks import get_task

# Held-out validation thresholds per task (issue 5); regression: relative error of the fit.
THRESHOLDS = {
    "classification": lambda final, truth: final["accuracy"] >= 0.90,
    "segmentation": lambda final, truth: final["miou"] >= 0.60,
    "detection": lambda final, truth: final["map50"] >= 0.50,
    "regression": lambda final, truth: all(abs(final[k] - truth[k]) <= 0.05 * abs(truth[k])
                                           for k in ("slope", "intercept")),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", bundled_specs())
def test_quick_recipe_learns(name, tmp_path):
    spec = load_spec(name)
    started = time.perf_counter()
    result = train(spec, TrainOptions(quick=True, out=tmp_path / name))
    seconds = time.perf_counter() - started
    truth = __import__("json").loads((tmp_path / name / "metrics.json").read_text())["truth"]
    print(f"{name}: {seconds:.1f} s, final {result.final}")
    assert THRESHOLDS[spec.task](result.final, truth), result.final


# Two samples at native size; detection: two regions drawn from one 500x500 scene's 2000
# proposals, warped to the spec's input (227 or 224) - a full image's 2000 regions through
# R-CNN's CNN with gradients would take minutes on a CPU.
NATIVE = {"batch_size": 2, "data.n_train": 2, "data.n_val": 2}
NATIVE_BY_TASK = {"detection": {"data.n_train": 1, "task.regions_per_image": 2}}


def _native_step(name: str):
    """One step of the full recipe's optimizer at the spec's own size and class count."""
    spec = load_spec(name)
    task = get_task(spec.task)
    config = recipe(spec, "full", {**NATIVE, **NATIVE_BY_TASK.get(spec.task, {})})
    data = task.data(spec, config, None)
    model = training_model(spec, config, spec.num_classes, first_inputs(data.train, 2))
    opt = optimizer(model, config)
    before = {k: v.detach().clone() for k, v in model.named_parameters() if v.requires_grad}
    batch = data.train.__getitems__([0, 1])
    loss, _ = task.loss(model.train(), batch)
    opt.zero_grad()
    loss.backward()
    opt.step()
    changed = [k for k, v in model.named_parameters() if v.requires_grad and not torch.equal(v, before[k])]
    return loss, changed, len(before)


@pytest.mark.slow
@pytest.mark.parametrize("name", bundled_specs())
def test_one_step_at_native_size(name):
    loss, changed, trainable = _native_step(name)
    assert torch.isfinite(loss)
    assert len(changed) == trainable   # every trainable tensor moved

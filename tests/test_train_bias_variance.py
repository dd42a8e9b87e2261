"""Bias-variance decomposition from harness runs (train/bias_variance.py) and run precision."""
import json

import pytest
import torch

from archlens.spec.load import load_spec
from archlens.train import TrainOptions, precision, train
from archlens.train.bias_variance import _trained, decompose, sweep
from archlens.train.config import recipe
from archlens.train.tasks import get_task
from archlens.errors import TrainError
from train_helpers import LEARNED, TINY_CLASSIFIER, VAL, write_spec


def test_decomposition_by_hand():
    # Two runs, one test point of class 0: p1 = (1, 0), p2 = (0, 1); mean (0.5, 0.5).
    # errors 0 and 2 -> 1; bias² = 0.5² + 0.5² = 0.5; variance = (0.5 + 0.5) / 2 = 0.5.
    d = decompose(torch.tensor([[[1.0, 0.0]], [[0.0, 1.0]]], dtype=torch.float64),
                  torch.tensor([0]))
    assert (d.error, d.bias2, d.variance, d.test_accuracy) == (1.0, 0.5, 0.5, 0.5)


def test_error_is_exactly_bias_plus_variance_on_random_predictions():
    g = torch.Generator().manual_seed(0)
    probs = torch.softmax(torch.randn(7, 50, 4, generator=g, dtype=torch.float64), -1)
    targets = torch.randint(0, 4, (50,), generator=g)
    d = decompose(probs, targets)
    assert d.error == pytest.approx(d.bias2 + d.variance, rel=1e-12)
    assert d.variance > 0 and d.bias2 > 0


def test_reloaded_model_scores_its_validation_set_as_the_harness_did(tmp_path):
    # Oracle: the harness's own final validation accuracy for the same run.
    spec = load_spec(write_spec(tmp_path, TINY_CLASSIFIER))
    task = get_task(spec.task, spec.where)
    data = task.data(spec, recipe(spec, "quick", {"epochs": 2}), None)
    model, result = _trained(spec, data.num_classes, {"epochs": 2})
    val = data.val
    inputs, labels = val.tensors
    with torch.no_grad():
        accuracy = (model.eval()(inputs).argmax(1) == labels).double().mean().item()
    assert accuracy == pytest.approx(result.final["accuracy"])


def test_sweep_rows_add_up_and_runs_differ(tmp_path):
    spec = write_spec(tmp_path, TINY_CLASSIFIER)
    rows = sweep(str(spec), [0.25, 1.0], 2, {"epochs": 2}, n_test=60)
    assert [r["width"] for r in rows] == [0.25, 1.0]
    assert rows[0]["params"] < rows[1]["params"]
    for r in rows:
        assert r["error"] == pytest.approx(r["bias2"] + r["variance"], rel=1e-9)
        assert r["variance"] > 0          # independent data and seeds give different networks
        assert 0 <= r["test_accuracy"] <= 1 and 0 <= r["train_accuracy"] <= 1


def test_auto_precision_follows_the_hardware(monkeypatch):
    monkeypatch.delenv(precision.AUTO_OVERRIDE, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert precision.resolve("auto", "cpu") == "fp32"
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    assert precision.resolve("auto", "cpu") == "bf16"
    assert precision.resolve("fp32", "cpu") == "fp32"


def test_environment_decides_what_auto_means(monkeypatch):
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: True)
    monkeypatch.setenv(precision.AUTO_OVERRIDE, "fp32")
    assert precision.resolve("auto", "cpu") == "fp32"
    assert precision.resolve("bf16", "cpu") == "bf16"      # an explicit choice stays
    monkeypatch.setenv(precision.AUTO_OVERRIDE, "fp16")
    with pytest.raises(TrainError, match="ARCHLENS_AUTO_PRECISION must be fp32 or bf16"):
        precision.resolve("auto", "cpu")


def test_bf16_run_learns_and_says_so(tmp_path):
    spec = write_spec(tmp_path, TINY_CLASSIFIER)
    result = train(spec, TrainOptions(quick=True, out=tmp_path / "run", overrides={
        "epochs": 20, "data.n_train": 600, "data.n_val": VAL, "precision": "bf16"}))
    assert result.final["accuracy"] > LEARNED
    losses = [row["train_loss"] for row in result.history]
    assert losses[-1] < 0.8 * losses[0]       # the bf16 forward pass still trains the weights
    doc = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert doc["precision"] == "bf16" and doc["config"]["precision"] == "bf16"


def test_fcn_meter_picks_the_same_class_as_argmax():
    from archlens.train.tasks.segmentation import IoUMeter
    from archlens.train.metrics import confusion
    g = torch.Generator().manual_seed(1)
    scores = torch.randn(2, 5, 40, 40, generator=g)[:, :, 3:35, 3:35]   # a cropped view
    scores[0, :, 0, 0] = 1.0                                            # a tie: first index wins
    mask = torch.randint(0, 5, (2, 32, 32), generator=g)
    meter = IoUMeter(5)
    meter.update(scores, (None, mask))
    assert torch.equal(meter.conf, confusion(scores.argmax(1), mask, 5))

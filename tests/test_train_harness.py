"""The harness end to end on tiny runs: outputs, resume after SIGKILL, divergence, folds, out dirs."""
import json
import math

import pytest
import torch

from archlens.errors import TrainError
from archlens.train import TrainOptions, train
from archlens.train.config import recipe
from archlens.spec.load import load_spec
from train_helpers import LEARNED, TINY_CLASSIFIER, VAL, archlens, write_spec


def test_linear_regression_quick_recovers_the_line(tmp_path):
    result = train("linear_regression", TrainOptions(quick=True, out=tmp_path / "run"))
    truth = {"slope": 2.0, "intercept": -1.0}   # make_regression's defaults (the recipe keeps them)
    for key, true in truth.items():
        assert abs(result.final[key] - true) <= 0.05 * abs(true)
    doc = json.loads((tmp_path / "run/metrics.json").read_text())
    config = recipe(load_spec("linear_regression"), "quick")
    assert len(doc["history"]) == config.epochs
    assert set(doc["final"]) == {"val_loss", "slope", "intercept"}
    assert doc["final"]["val_loss"] == doc["history"][-1]["val_loss"]
    # noise std 0.1: the best possible validation MSE is about 0.01
    assert 0.005 < doc["final"]["val_loss"] < 0.02
    csv_lines = (tmp_path / "run/metrics.csv").read_text().splitlines()
    assert csv_lines[0].startswith("epoch,lr,train_loss,val_loss") and len(csv_lines) == config.epochs + 1
    svg = (tmp_path / "run/curves.svg").read_text()
    assert "<svg" in svg and "validation" in svg
    assert (tmp_path / "run/curves.png").read_bytes()[:4] == b"\x89PNG"


def test_curves_are_byte_reproducible(tmp_path):
    from archlens.train.report import plot_curves
    history = [{"epoch": 1, "train_loss": 1.0, "val_loss": 1.2, "train_accuracy": 0.5,
                "val_accuracy": 0.4}, {"epoch": 2, "train_loss": 0.5, "val_loss": 0.9,
                                       "train_accuracy": 0.8, "val_accuracy": 0.6}]
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        plot_curves(tmp_path / name, history, "accuracy", "t")
    assert (tmp_path / "a/curves.svg").read_bytes() == (tmp_path / "b/curves.svg").read_bytes()


def test_tiny_classifier_learns_and_reports_accuracy(tmp_path):
    spec = write_spec(tmp_path, TINY_CLASSIFIER)
    result = train(spec, TrainOptions(quick=True, out=tmp_path / "run",
                                      overrides={"epochs": 6, "data.n_train": 600,
                                                 "data.n_val": VAL}))
    assert result.final["accuracy"] > LEARNED
    row = result.history[-1]
    assert {"train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr"} <= set(row)


def _weights(path):
    return torch.load(path, weights_only=True)["model"]


def test_resume_after_sigkill_mid_epoch_gives_identical_weights(tmp_path):
    spec = write_spec(tmp_path, TINY_CLASSIFIER)
    code, _, err = archlens("train", spec, "--quick", "--out", tmp_path / "a")
    assert code == 0, err
    # 160 samples / 16 = 10 batches per epoch: die in the middle of epoch 2
    code, _, _ = archlens("train", spec, "--quick", "--out", tmp_path / "b",
                          kill_after_batches=15)
    assert code == -9
    killed = json.loads((tmp_path / "b/metrics.json").read_text())
    assert [row["epoch"] for row in killed["history"]] == [1]
    code, _, err = archlens("train", spec, "--quick", "--out", tmp_path / "b", "--resume")
    assert code == 0, err
    a, b = _weights(tmp_path / "a/checkpoint.pt"), _weights(tmp_path / "b/checkpoint.pt")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    strip = lambda doc: [{k: v for k, v in r.items() if k != "time_s"} for r in doc["history"]]
    assert strip(json.loads((tmp_path / "a/metrics.json").read_text())) == strip(
        json.loads((tmp_path / "b/metrics.json").read_text()))


def test_nan_loss_stops_naming_epoch_and_batch(tmp_path):
    with pytest.raises(TrainError, match=r"loss became (nan|inf) at epoch 1, batch \d+: training "
                                         r"diverged; lower the learning rate"):
        train("linear_regression", TrainOptions(quick=True, out=tmp_path / "run",
                                                overrides={"optimizer.lr": 1e6}))


def test_previous_run_is_not_overwritten_without_resume_or_force(tmp_path):
    options = TrainOptions(quick=True, out=tmp_path / "run", overrides={"epochs": 1})
    train("linear_regression", options)
    before = (tmp_path / "run/metrics.json").read_bytes()
    with pytest.raises(TrainError, match=r"holds a previous run; pass --resume to continue it, "
                                         r"--force to replace it"):
        train("linear_regression", options)
    assert (tmp_path / "run/metrics.json").read_bytes() == before
    with pytest.raises(TrainError, match="no previous run to resume"):
        train("linear_regression", TrainOptions(quick=True, out=tmp_path / "new", resume=True))


def test_resume_refuses_other_settings(tmp_path):
    train("linear_regression", TrainOptions(quick=True, out=tmp_path / "run", overrides={"epochs": 1}))
    with pytest.raises(TrainError, match=r"checkpoint was made with other settings \(epochs differ\)"):
        train("linear_regression", TrainOptions(quick=True, out=tmp_path / "run", resume=True,
                                                overrides={"epochs": 2}))


def test_k_fold_reports_mean_and_std(tmp_path):
    result = train("linear_regression", TrainOptions(quick=True, out=tmp_path / "cv", folds=3,
                                                     overrides={"epochs": 5}))
    doc = json.loads((tmp_path / "cv/metrics.json").read_text())
    per_fold = [f["slope"] for f in doc["per_fold"]]
    assert len(per_fold) == 3 and len(set(per_fold)) == 3   # different folds, different fits
    mean = sum(per_fold) / 3
    std = math.sqrt(sum((s - mean) ** 2 for s in per_fold) / 2)
    assert doc["final"]["slope"] == pytest.approx(mean) and doc["final_std"]["slope"] == pytest.approx(std)
    assert all((tmp_path / f"cv/fold-{k}/metrics.json").exists() for k in (1, 2, 3))
    assert result.final_std is not None


def test_cli_train_prints_final_metrics(tmp_path, cli):
    code, out, err = cli("train", "linear_regression", "--quick", "--out", tmp_path / "r",
                         "--epochs", "2", "--no-progress")
    assert code == 0, err
    assert "slope" in out and "wrote" in out


@pytest.mark.parametrize("args, message", [
    (["--set", "optimizer.lrr=0.1"], "train.quick.optimizer: unknown key 'lrr'; did you mean 'lr'?"),
    (["--set", "epochs"], "--set 'epochs': expected KEY=VALUE"),
    (["--data", "nowhere"], "the regression task trains on generated data only"),
    (["--folds", "1"], "--folds 1: need 2 <= K"),
])
def test_cli_bad_settings_are_one_line_errors(tmp_path, cli, args, message):
    code, out, err = cli("train", "linear_regression", "--quick", "--out", tmp_path / "r", *args)
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("args, message", [
    (["--set", "data.min_size=0.6"],
     "specs/fcn32s.yaml: train: data: need 0 < min_size <= max_size <= 0.5"),
    (["--set", "data.max_rotation=-5"],
     "specs/fcn32s.yaml: train.quick.data.max_rotation must be a non-negative number, got -5"),
])
def test_cli_bad_scene_settings_name_the_spec(tmp_path, cli, args, message):
    code, out, err = cli("train", "fcn32s", "--quick", "--out", tmp_path / "r", *args)
    assert code == 2 and message in err and err.count("\n") == 1 and "Traceback" not in err


def test_training_inits_keep_zero_skip_scores_and_frozen_upsampling():
    # FCN-8s (Long et al. 2015, Sec. 4.2): score_pool4 and score_pool3 start at zero, so the
    # net starts out as FCN-16s and FCN-32s; the fixed bilinear upscore8 keeps its filter.
    from archlens.nn.build import build_model
    from archlens.spec.load import load_spec
    from archlens.train.config import recipe
    from archlens.train.model import training_model
    spec = load_spec("fcn8s")
    config = recipe(spec, "quick")
    model = training_model(spec, config, 4, torch.randn(2, 3, 128, 128))
    reference = build_model(spec, input=config.input, width=config.width)
    for name in ("score_pool4", "score_pool3"):
        layer = getattr(model, name)
        assert not layer.weight.any() and not layer.bias.any()
    assert torch.equal(model.upscore8.weight[:4, :4], reference.upscore8.weight[:4, :4])
    assert model.fc6.weight.std() > 0


def test_training_leaves_the_process_arithmetic_as_it_found_it(tmp_path):
    # Oracle: IEEE subnormals. A float32 subnormal survives arithmetic unless denormals are flushed.
    spec = write_spec(tmp_path, TINY_CLASSIFIER)
    tiny = torch.tensor([1e-40])
    assert (tiny * 1.0).item() != 0.0 and not torch.are_deterministic_algorithms_enabled()
    train(spec, TrainOptions(quick=True, out=tmp_path / "run", overrides={"epochs": 1}))
    assert (tiny * 1.0).item() != 0.0
    assert not torch.are_deterministic_algorithms_enabled()

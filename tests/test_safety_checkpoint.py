"""Hostile checkpoints: resuming loads tensors and plain values only, never runs a pickle's code,
and a checkpoint of the wrong shape is one line and exit 2 (issue 13, item 1)."""
import os

import pytest
import torch

RUN = ("train", "linear_regression", "--quick", "--epochs", "1", "--no-progress")


class _RunsCode:
    """Unpickling this calls os.system: what a hostile checkpoint would carry."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch '{self.marker}'",))


@pytest.fixture
def run_dir(tmp_path, cli):
    """A real one-epoch run whose checkpoint the tests replace."""
    code, _, err = cli(*RUN, "--out", tmp_path / "run")
    assert code == 0, err
    return tmp_path / "run"


def _resume(cli, run_dir):
    return cli(*RUN, "--out", run_dir, "--resume")


def _refusal_faults(code, err, *words) -> list[str]:
    """What keeps ``(code, err)`` from being a one-line refusal (exit 2) naming the file and
    every one of ``words``; empty when it is one."""
    faults = [] if code == 2 else [f"exit code {code}, not 2"]
    if err.count("\n") != 1 or "Traceback" in err:
        faults.append(f"not one line: {err!r}")
    if str(os.sep) not in err and "checkpoint.pt" not in err:
        faults.append("names no file")
    return faults + [f"does not say {word!r}" for word in words if word not in err]


def test_a_checkpoint_whose_pickle_runs_code_is_refused_and_nothing_runs(run_dir, cli, tmp_path):
    marker = tmp_path / "pwned"
    state = torch.load(run_dir / "checkpoint.pt", weights_only=True)
    state["payload"] = _RunsCode(marker)
    torch.save(state, run_dir / "checkpoint.pt")
    code, _, err = _resume(cli, run_dir)
    assert not marker.exists(), "resuming ran code from the checkpoint"
    assert _refusal_faults(code, err, "checkpoint.pt", "run code") == []


def test_a_checkpoint_that_is_itself_a_code_call_is_refused(run_dir, cli, tmp_path):
    marker = tmp_path / "pwned"
    torch.save(_RunsCode(marker), run_dir / "checkpoint.pt")
    code, _, err = _resume(cli, run_dir)
    assert not marker.exists()
    assert _refusal_faults(code, err, "checkpoint.pt") == []


@pytest.mark.parametrize("make, words", [
    (lambda state: [1, 2, 3], ("not an archlens checkpoint", "list")),
    (lambda state: {"model": state["model"]}, ("not an archlens checkpoint", "optimizer")),
    (lambda state: {**state, "history": "x"}, ("not an archlens checkpoint",)),
    (lambda state: {**state, "model": {"weight": torch.zeros(7, 7)}}, ("model", "does not fit")),
    (lambda state: {**state, "model": {k: torch.zeros(3, 3) for k in state["model"]}},
     ("model", "does not fit")),
    (lambda state: {**state, "optimizer": {"state": {}, "param_groups": []}},
     ("optimizer", "does not fit")),
    (lambda state: {**state, "rng": {"torch": torch.zeros(3)}}, ("random state", "does not fit")),
], ids=["list", "missing-keys", "history-type", "other-architecture", "other-shapes",
        "other-optimizer", "bad-rng"])
def test_a_malformed_checkpoint_is_one_line(run_dir, cli, make, words):
    state = torch.load(run_dir / "checkpoint.pt", weights_only=True)
    torch.save(make(state), run_dir / "checkpoint.pt")
    code, _, err = _resume(cli, run_dir)
    assert _refusal_faults(code, err, "checkpoint.pt", *words) == []


def test_a_truncated_checkpoint_is_one_line(run_dir, cli):
    data = (run_dir / "checkpoint.pt").read_bytes()
    (run_dir / "checkpoint.pt").write_bytes(data[: len(data) // 2])
    code, _, err = _resume(cli, run_dir)
    assert _refusal_faults(code, err, "unreadable checkpoint") == []


def test_checkpoints_load_with_weights_only_and_resume(run_dir, cli):
    state = torch.load(run_dir / "checkpoint.pt", weights_only=True)
    assert set(state) >= {"model", "optimizer", "scheduler", "next_epoch", "history", "config", "rng"}
    code, out, err = _resume(cli, run_dir)   # the epoch is done: resuming restores, then reports
    assert code == 0, err
    assert torch.load(run_dir / "checkpoint.pt", weights_only=True)["next_epoch"] == 1

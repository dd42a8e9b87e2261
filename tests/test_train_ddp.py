"""Scale-out: the same command under torchrun (2 processes, gloo on CPU) matches one process."""
import json
import os
import subprocess
import sys

import pytest
import torch

from train_helpers import ROOT, archlens, free_port


@pytest.mark.slow
def test_two_gloo_processes_agree_with_one(tmp_path):
    args = ["train", "linear_regression", "--quick", "--epochs", "3", "--no-progress"]
    code, _, err = archlens(*args, "--out", tmp_path / "one")
    assert code == 0, err
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
           "--master_addr=127.0.0.1", f"--master_port={free_port()}", "-m", "archlens",
           *args, "--out", str(tmp_path / "two")]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    one = torch.load(tmp_path / "one/checkpoint.pt", weights_only=True)["model"]
    two = torch.load(tmp_path / "two/checkpoint.pt", weights_only=True)["model"]
    for key in one:   # the same global batches, gradients averaged: equal up to float rounding
        assert torch.allclose(one[key], two[key], rtol=1e-5, atol=1e-6), key
    doc1, doc2 = (json.loads((tmp_path / f"{run}/metrics.json").read_text()) for run in ("one", "two"))
    assert (doc1["processes"], doc2["processes"]) == (1, 2)
    h1, h2 = doc1["history"], doc2["history"]
    for r1, r2 in zip(h1, h2):
        assert r1["train_loss"] == pytest.approx(r2["train_loss"], rel=1e-4)
        assert r1["val_loss"] == pytest.approx(r2["val_loss"], rel=1e-4)
    assert len(h1) == len(h2) == 3

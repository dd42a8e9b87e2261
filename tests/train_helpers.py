"""Small specs and subprocess helpers shared by the training tests."""
import os
import socket
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent

# A tiny classifier with dropout (so resuming must restore torch's random state).
TINY_CLASSIFIER = {
    "name": "tiny_classifier", "task": "classification", "input": [3, 16, 16], "num_classes": 3,
    "layers": [{"name": "flatten", "kind": "flatten"},
               {"name": "fc1", "kind": "linear", "out_features": 32},
               {"name": "relu1", "kind": "relu"},
               {"name": "drop1", "kind": "dropout", "p": 0.5},
               {"name": "fc2", "kind": "linear", "out_features": "num_classes"}],
    "train": {"quick": {"epochs": 3, "batch_size": 16, "optimizer": {"name": "adam", "lr": 0.003},
                        "data": {"n_train": 160, "n_val": 48}}},
}

# Accuracy that only learning reaches: TINY_CLASSIFIER has 3 balanced classes, so guessing
# scores 1/3 with a standard error of sqrt(1/3 * 2/3 / 300) = 0.027 on VAL samples; LEARNED is
# chance plus more than 3 standard errors. Runs of the tests' recipes score 0.50-0.61 on Intel
# (AMX) and AVX2-only kernels alike (ONEDNN_MAX_CPU_ISA=AVX2), fp32 and bf16.
VAL = 300
LEARNED = 0.42

# A small fully convolutional segmenter: dilated 3x3 convolutions grow the receptive field to
# 31 pixels (3, 7, 15, 31) at full resolution, enough to tell a whole shape from its neighbours.
TINY_SEGMENTER = {
    "name": "tiny_segmenter", "task": "segmentation", "input": [3, 32, 32], "num_classes": 4,
    "layers": [{"name": "conv1", "kind": "conv", "out_channels": 16, "kernel_size": 3, "padding": 1},
               {"name": "relu1", "kind": "relu"},
               {"name": "conv2", "kind": "conv", "out_channels": 24, "kernel_size": 3, "padding": 2,
                "dilation": 2},
               {"name": "relu2", "kind": "relu"},
               {"name": "conv3", "kind": "conv", "out_channels": 24, "kernel_size": 3, "padding": 4,
                "dilation": 4},
               {"name": "relu3", "kind": "relu"},
               {"name": "conv4", "kind": "conv", "out_channels": 24, "kernel_size": 3, "padding": 8,
                "dilation": 8},
               {"name": "relu4", "kind": "relu"},
               {"name": "score", "kind": "conv", "out_channels": "num_classes", "kernel_size": 1}],
    "train": {"quick": {"epochs": 8, "batch_size": 16, "init": "kaiming",
                        "optimizer": {"name": "adam", "lr": 0.003},
                        "data": {"n_train": 400, "n_val": 60, "max_objects": 2}}},
}


def write_spec(tmp_path: Path, doc: dict) -> Path:
    path = tmp_path / f"{doc['name']}.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


def archlens(*args, env=None, timeout=300, kill_after_batches=None):
    """Run the CLI in a fresh process; (returncode, stdout, stderr). With
    ``kill_after_batches`` the process SIGKILLs itself after that many training batches."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    entry = ["-m", "archlens"] if kill_after_batches is None else \
        [str(ROOT / "tests/kill_after_batches.py"), str(kill_after_batches)]
    proc = subprocess.run([sys.executable, *entry, *map(str, args)], cwd=ROOT,
                          env=full_env, capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def free_port() -> int:
    """A TCP port free now on 127.0.0.1 (for a torch.distributed rendezvous)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]

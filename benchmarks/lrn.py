"""Local response normalisation: archlens' running-sum module against torch's, in one run.

    python benchmarks/lrn.py

Forward and backward at the sizes ZF-5 (Zeiler & Fergus 2014) normalises in the rcnn_zf5 quick
recipe's first layers (batch 8, and the recipe's 64 regions at 1/4 width), and at AlexNet's
conv1 size, batch 8; in NCHW and channels-last (the layout the detection recipes train in).
Prints milliseconds per step and the ratio torch / ours (above 1: ours is faster), plus the
largest output difference.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from archlens.nn.modules import LocalResponseNormModule  # noqa: E402
from archlens.train.model import MEMORY_FORMATS  # noqa: E402

SHAPES = [(8, 12, 56, 56), (8, 32, 14, 14), (64, 24, 30, 30), (64, 64, 7, 7), (8, 96, 55, 55)]
ARGS = dict(size=5, alpha=5e-5, beta=0.75, k=1.0)


def ms_per_step(module: nn.Module, x: torch.Tensor, repeats: int = 20) -> float:
    for _ in range(3):
        module(x).sum().backward()
    start = time.perf_counter()
    for _ in range(repeats):
        module(x).sum().backward()
    return (time.perf_counter() - start) / repeats * 1e3


def main() -> None:
    print(f"LRN forward+backward, {torch.get_num_threads()} threads, torch {torch.__version__}")
    print(f"{'input':<18}{'layout':>7}{'torch ms':>10}{'ours ms':>10}{'ratio':>8}{'max |diff|':>12}")
    for shape in SHAPES:
        for layout, fmt in MEMORY_FORMATS.items():
            x = torch.randn(*shape).to(memory_format=fmt).requires_grad_()
            theirs, ours = nn.LocalResponseNorm(**ARGS), LocalResponseNormModule(**ARGS)
            diff = (theirs(x) - ours(x)).abs().max().item()
            t, o = ms_per_step(theirs, x), ms_per_step(ours, x)
            print(f"{'x'.join(map(str, shape)):<18}{layout:>7}{t:>10.2f}{o:>10.2f}{t / o:>8.2f}{diff:>12.1e}")


if __name__ == "__main__":
    main()

"""FCN's fixed bilinear upsampling while training: torch's ConvTranspose2d against archlens'
separable form (archlens.train.kernels), in one run.

    python benchmarks/train_upsampling.py

Forward and backward (to the input; the weight is frozen) at the sizes the FCN quick recipes
upsample (batch 4, 4 classes, 128x128 input): FCN-32s's 64/32 on its 5x5 score map, FCN-16s's
32/16 on 11x11 and FCN-8s's 16/8 on 22x22, in float32 and under bfloat16 autocast, NCHW and
channels-last. Prints milliseconds per step, the ratio torch / ours (above 1: ours is faster)
and the largest difference from torch's output.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import torch
import torch.nn as nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from archlens.nn.fcn import bilinear_  # noqa: E402
from archlens.train.kernels import SeparableUpsampling  # noqa: E402
from archlens.train.model import MEMORY_FORMATS  # noqa: E402
from archlens.train.precision import native_bf16  # noqa: E402

SIZES = [("fcn32s", 64, 32, 5), ("fcn16s", 32, 16, 11), ("fcn8s", 16, 8, 22)]
BATCH, CLASSES = 4, 4


def ms_per_step(module: nn.Module, x: torch.Tensor, bf16: bool, repeats: int = 30) -> float:
    def step():
        with torch.autocast("cpu", torch.bfloat16, enabled=bf16):
            y = module(x)
        y.float().square().mean().backward()
    for _ in range(3):
        step()
    start = time.perf_counter()
    for _ in range(repeats):
        step()
    return (time.perf_counter() - start) / repeats * 1e3


def main() -> None:
    print(f"bilinear upsampling forward+backward, {torch.get_num_threads()} threads, torch "
          f"{torch.__version__}, AMX bfloat16: {native_bf16('cpu')}")
    print(f"{'layer':<24}{'precision':>10}{'layout':>8}{'torch ms':>10}{'ours ms':>10}{'ratio':>8}{'max |diff|':>12}")
    for name, k, s, n in SIZES:
        deconv = nn.ConvTranspose2d(CLASSES, CLASSES, k, s, bias=False)
        bilinear_(deconv).weight.requires_grad_(False)
        ours = SeparableUpsampling(deconv)
        for precision in ("fp32", "bf16"):
            for layout, fmt in MEMORY_FORMATS.items():
                x = torch.randn(BATCH, CLASSES, n, n).to(memory_format=fmt).requires_grad_()
                diff = (ours(x) - deconv(x)).abs().max().item()
                t = ms_per_step(deconv, x, precision == "bf16")
                o = ms_per_step(ours, x, precision == "bf16")
                label = f"{name} {k}/{s} on {n}x{n}"
                print(f"{label:<24}{precision:>10}{layout:>8}{t:>10.2f}{o:>10.2f}{t / o:>8.1f}{diff:>12.1e}")


if __name__ == "__main__":
    main()

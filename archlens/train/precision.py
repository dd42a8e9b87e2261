"""Arithmetic precision of a run: float32 throughout, or bfloat16 autocast (mixed precision).

Under ``bf16`` the forward pass and loss run in ``torch.autocast`` with bfloat16 while the
weights, gradients and optimizer state stay float32 (the nanoGPT recipe; Micikevicius et al.,
"Mixed Precision Training", ICLR 2018, with bfloat16's float32 exponent range so no loss
scaling is needed). ``auto`` picks bf16 only where the hardware multiplies bfloat16 natively:
CUDA devices that support it, and CPUs with AMX tiles (Intel Sapphire Rapids and later).
Elsewhere bf16 is emulated and slower, so ``auto`` stays float32.

Recipes default to ``fp32``. ``benchmarks/train_precision.py`` times a training step of every
quick recipe both ways: on 2 AMX cores the FCN recipes' steps ran 1.5-1.7x faster under bf16,
the others 1.0-1.2x, so only the FCN quick recipes ask for ``auto``.

``ARCHLENS_AUTO_PRECISION=fp32`` (or ``bf16``) in the environment decides what ``auto`` means
regardless of the hardware: a machine with AMX then runs what a machine without it runs
(the test suite is run this way too, so it passes on Intel and AMD alike).
"""
from __future__ import annotations

import contextlib
import os

import torch

from archlens.errors import TrainError
from archlens.spec.recipes import PRECISIONS  # noqa: F401  (the choices; recipes validate against them)

AUTO_OVERRIDE = "ARCHLENS_AUTO_PRECISION"   # environment variable: what ``auto`` resolves to


def resolve(name: str, device: str) -> str:
    """``fp32`` or ``bf16``: what ``name`` means on ``device``."""
    if name != "auto":
        return name
    forced = os.environ.get(AUTO_OVERRIDE, "").strip().lower()
    if forced:
        if forced not in ("fp32", "bf16"):
            raise TrainError(f"{AUTO_OVERRIDE} must be fp32 or bf16, got '{forced}'")
        return forced
    return "bf16" if native_bf16(device) else "fp32"


def native_bf16(device: str) -> bool:
    if device == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return bool(getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)())


def autocast(precision: str, device: str):
    """The context the forward pass runs in: bf16 autocast, or nothing for fp32."""
    if precision == "bf16":
        return torch.autocast(device_type=device, dtype=torch.bfloat16)
    return contextlib.nullcontext()

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
"""
from __future__ import annotations

import contextlib

import torch


def resolve(name: str, device: str) -> str:
    """``fp32`` or ``bf16``: what ``name`` means on ``device``."""
    if name != "auto":
        return name
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

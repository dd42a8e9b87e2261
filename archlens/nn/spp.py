"""Spatial pyramid pooling in plain torch, with the bin rule of ``archlens.core.kinds.spp``."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from archlens.core.kinds.spp import bins, paper_bins


def _pool_axis(x: torch.Tensor, axis: int, spans) -> torch.Tensor:
    """Max over each [start, end) span along ``axis``, stacked in bin order."""
    return torch.stack([x.narrow(axis, s, e - s).amax(dim=axis) for s, e in spans], dim=axis)


def pool_level(x: torch.Tensor, n: int) -> torch.Tensor:
    """(B, C, h, w) -> (B, C, n, n): the paper's window/stride where it fits, else adaptive."""
    h, w = x.shape[-2:]
    rows, cols = paper_bins(h, n), paper_bins(w, n)
    if rows is not None and cols is not None:  # one max_pool2d call: window ceil, stride floor
        return F.max_pool2d(x, (-(-h // n), -(-w // n)), (h // n, w // n))
    return _pool_axis(_pool_axis(x, 2, bins(h, n)[0]), 3, bins(w, n)[0])


class SPP(nn.Module):
    """(B, C, h, w) -> (B, C·Σn²): each level flattened channel-major, levels concatenated."""

    def __init__(self, levels=(6, 3, 2, 1)):
        super().__init__()
        self.levels = tuple(levels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([pool_level(x, n).flatten(1) for n in self.levels], dim=1)

    def extra_repr(self) -> str:
        return f"levels={self.levels}"

"""Spatial pyramid pooling in plain torch, with the bin rules of ``archlens.core.kinds.spp``."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from archlens.core.kinds.spp import APPENDIX_A, SEC23, bins


def _pool_axis(x: torch.Tensor, axis: int, spans) -> torch.Tensor:
    """Max over each [start, end) span along ``axis``, stacked in bin order."""
    return torch.stack([x.narrow(axis, s, e - s).amax(dim=axis) for s, e in spans], dim=axis)


def pool_level(x: torch.Tensor, n: int) -> torch.Tensor:
    """(B, C, h, w) -> (B, C, n, n): Sec. 2.3's window/stride where it fits, else Appendix A."""
    h, w = x.shape[-2:]
    (rows, row_rule), (cols, col_rule) = bins(h, n), bins(w, n)
    if row_rule == col_rule == SEC23:  # one max_pool2d call: window ceil, stride floor
        return F.max_pool2d(x, (-(-h // n), -(-w // n)), (h // n, w // n))
    if row_rule == col_rule == APPENDIX_A:  # the same bins as adaptive max pooling
        return F.adaptive_max_pool2d(x, n)
    return _pool_axis(_pool_axis(x, 2, rows), 3, cols)


class SPP(nn.Module):
    """(B, C, h, w) -> (B, C·Σn²): each level flattened channel-major, levels concatenated."""

    def __init__(self, levels=(6, 3, 2, 1)):
        super().__init__()
        self.levels = tuple(levels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([pool_level(x, n).flatten(1) for n in self.levels], dim=1)

    def extra_repr(self) -> str:
        return f"levels={self.levels}"

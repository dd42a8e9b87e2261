"""Spatial pyramid pooling of many windows of one feature map at once, exactly.

Every bin of every window is a rectangle of the map; its max comes from a 2-D sparse table
(Bentley's range-maximum trick): T[a][b] holds the max over 2^a rows x 2^b columns from each
cell, so any h x w rectangle is the max of four overlapping table entries with 2^a <= h,
2^b <= w. Bins follow ``archlens.core.kinds.spp.bins`` (Sec. 2.3, else Appendix A), so
the result equals the ``SPP`` module run on each window's crop (tests check this).
"""
from __future__ import annotations

from functools import lru_cache

import torch

from archlens.core.kinds.spp import bins

WINDOWS_PER_CHUNK = 256


def sparse_table(fmap: torch.Tensor) -> torch.Tensor:
    """(A, B, C, H, W): T[a, b, :, y, x] = max of fmap[:, y:y+2^a, x:x+2^b] (-inf past the edge)."""
    c, h, w = fmap.shape
    rows = [fmap]
    while 2 ** len(rows) <= h:
        prev, k = rows[-1], 2 ** (len(rows) - 1)
        rows.append(_shift_max(prev, k, dim=1))
    table = []
    for r in rows:
        cols = [r]
        while 2 ** len(cols) <= w:
            prev, k = cols[-1], 2 ** (len(cols) - 1)
            cols.append(_shift_max(prev, k, dim=2))
        table.append(torch.stack(cols))
    return torch.stack(table)


def _shift_max(t: torch.Tensor, k: int, dim: int) -> torch.Tensor:
    shifted = torch.full_like(t, float("-inf"))
    n = t.shape[dim]
    shifted.narrow(dim, 0, n - k).copy_(t.narrow(dim, k, n - k))
    return torch.maximum(t, shifted)


def _axis_bins(lengths: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(K, n) starts and ends of the level-n bins for windows of these lengths."""
    spans = _bin_table(n, int(lengths.max()) if len(lengths) else 1)[lengths]     # (K, n, 2)
    return spans[..., 0], spans[..., 1]


@lru_cache(maxsize=64)
def _bin_table(n: int, longest: int) -> torch.Tensor:
    """(longest + 1, n, 2): row a holds ``bins(a, n)`` (row 0, no window, is unused). A lookup
    table, since fine-tuning pools thousands of windows whose lengths repeat: asking ``bins``
    per window length each time was a quarter of sppnet_zf5's quick training."""
    table = torch.zeros(longest + 1, n, 2, dtype=torch.long)
    for a in range(1, longest + 1):
        table[a] = torch.tensor(bins(a, n)[0])
    return table


def _level(flat: torch.Tensor, shape: tuple, cells: torch.Tensor, n: int) -> torch.Tensor:
    """(K, C·n²) for one level: four lookups per bin in the (A·B·H·W, C) table ``flat``."""
    _, b_count, _, h, w = shape
    ys, ye = _axis_bins(cells[:, 3] - cells[:, 1] + 1, n)
    xs, xe = _axis_bins(cells[:, 2] - cells[:, 0] + 1, n)
    ys, ye, xs, xe = ys + cells[:, 1:2], ye + cells[:, 1:2], xs + cells[:, 0:1], xe + cells[:, 0:1]
    a = torch.floor(torch.log2((ye - ys).double())).long()[:, :, None]   # (K, n, 1)
    b = torch.floor(torch.log2((xe - xs).double())).long()[:, None, :]   # (K, 1, n)
    y_lo, y_hi = ys[:, :, None], (ye[:, :, None] - 2 ** a)
    x_lo, x_hi = xs[:, None, :], (xe[:, None, :] - 2 ** b)
    base = (a * b_count + b) * h * w
    corners = [flat[base + y * w + x] for y in (y_lo, y_hi) for x in (x_lo, x_hi)]
    best = torch.stack(corners).amax(0)                                  # (K, n, n, C)
    return best.permute(0, 3, 1, 2).flatten(1)


def pool_windows(fmap: torch.Tensor, cells: torch.Tensor, levels) -> torch.Tensor:
    """(K, C·Σn²) pyramids of a (C, H, W) map over inclusive cell windows (x0', y0', x1', y1')."""
    table = sparse_table(fmap)
    flat = table.permute(0, 1, 3, 4, 2).reshape(-1, fmap.shape[0])     # (A·B·H·W, C), once
    parts = [torch.cat([_level(flat, tuple(table.shape), chunk, n) for n in levels], 1)
             for chunk in cells.split(WINDOWS_PER_CHUNK)]
    return torch.cat(parts) if parts else fmap.new_zeros(0, fmap.shape[0] * sum(n * n for n in levels))

"""Spatial pyramid pooling (He et al., "Spatial Pyramid Pooling in Deep Convolutional Networks
for Visual Recognition", ECCV 2014 / TPAMI 2015, Sec. 2.3 and Fig. 3).

A feature map of any size a_h x a_w is max-pooled at each pyramid level n into n x n bins and
the levels are concatenated into one vector of fixed length C * sum(n^2) (12,800 for 256
channels and the paper's levels {6, 3, 2, 1}).

Bin rule, per axis (paper Sec. 2.3): window = ceil(a / n), stride = floor(a / n). It gives
exactly n bins only when floor((a - ceil(a/n)) / floor(a/n)) + 1 == n; for other sizes (a < n,
e.g. a small proposal on conv5, or a = 8, n = 6, which would give 7 bins) archlens falls back,
on that axis, to adaptive bins [floor(i·a/n), ceil((i+1)·a/n)) (PyTorch's AdaptiveMaxPool2d),
which always gives n bins, each at least one cell wide. ``bins`` below states which rule won.
Where the paper's rule does give n bins it is kept as written, even where its floor-mode
sliding window leaves the last cells out (a = 8, n = 3: window 3, stride 2 covers 0..6).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from archlens.core.geometry import RF, Calc, Shape, numel, require_spatial
from archlens.core.kinds.args import bound, describe, is_size
from archlens.core.kinds.pool import adaptive_windows, bin_reads
from archlens.core.kinds.registry import Kind, register
from archlens.core.kinds.saved import INDEX_BYTES, INPUT, Saved, new

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch

PAPER_LEVELS = (6, 3, 2, 1)  # TPAMI Sec. 4.2 (detection): a 4-level pyramid, 50 bins


def _levels(value: Any) -> tuple[int, ...]:
    ok = isinstance(value, (list, tuple)) and value and all(is_size(v) for v in value)
    if not ok:
        raise ValueError(f"must be a non-empty list of positive integers{bound(value)}, "
                         f"got {describe(value)}")
    return tuple(value)


@dataclass(frozen=True)
class SPPArgs:
    levels: Annotated[tuple, _levels] = PAPER_LEVELS  # n for each n x n level, coarsest last


def paper_bins(a: int, n: int) -> list[tuple[int, int]] | None:
    """The paper's bins [start, end) along one axis, or None if the rule does not give n bins."""
    window, stride = -(-a // n), a // n
    if stride == 0 or (a - window) // stride + 1 != n:
        return None
    return [(i * stride, i * stride + window) for i in range(n)]


def bins(a: int, n: int) -> tuple[list[tuple[int, int]], str]:
    """Bins along one axis of length ``a`` for level ``n``, and which rule made them."""
    found = paper_bins(a, n)
    return (found, "paper") if found is not None else (adaptive_windows(a, n), "adaptive")


def _paper_level(h: int, w: int, n: int) -> bool:
    """True where ``archlens.nn.spp`` pools the level with one max pool (the paper's rule on
    both axes), False where it takes the adaptive bins' maxima axis by axis."""
    return paper_bins(h, n) is not None and paper_bins(w, n) is not None


def spp_length(channels: int, levels: tuple[int, ...]) -> int:
    """Output length C * sum(n^2)."""
    return channels * sum(n * n for n in levels)


@register("spp")
class SpatialPyramidPooling(Kind):
    """Spatial pyramid pooling (max), any (C, H, W) -> (C·Σn²,): fixed length for any input size.

    params 0, MACs 0. FLOPs: one comparison per bin element after the first (bin area − 1 per
    bin, per channel, every level), with the bins from the paper's rule or the documented
    adaptive fallback. Receptive field: none (a bin's extent depends on the input size).
    """
    examples = [
        ({}, [(4, 13, 13)]),                      # paper rule on every level
        ({"levels": [3, 1]}, [(2, 8, 5)]),        # mixed: rows by the paper, columns adaptive
        ({"levels": [6, 2]}, [(3, 4, 9)]),        # a < n: adaptive bins, overlapping
    ]
    Args = SPPArgs
    flops_convention = "window_max"
    spatial_pyramid = True   # SPPNet's per-region network starts here

    def shape(self, a: SPPArgs, ins: list[Shape]) -> Shape:
        c, _, _ = require_spatial(ins[0], "spp")
        return (spp_length(c, a.levels),)

    def flops(self, a: SPPArgs, ins: list[Shape], out: Shape) -> Calc:
        c, h, w = ins[0]
        return bin_reads(c, (h, w), [(n, n) for n in a.levels], lambda n_in, n: bins(n_in, n)[0],
                         divide=False)

    def rf(self, a: SPPArgs, in_rfs: list[RF | None]) -> RF | None:
        """None: bins depend on the input size, so units share no common field."""
        return None

    def extra(self, a: SPPArgs, ins: list[Shape], in_rfs: list[RF | None]) -> dict:
        _, h, w = ins[0]
        return {"spp_bins": {str(n): [bins(h, n)[1], bins(w, n)[1]] for n in a.levels}}

    def saved(self, a: SPPArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        """Per level, as ``archlens.nn.spp`` runs it: one max pool keeps the input and its int64
        indices; the adaptive path's amax calls keep their results and the row-pooled map."""
        c, h, w = ins[0]
        kept = [INPUT]
        for n in a.levels:
            if _paper_level(h, w, n):
                kept.append(new(c * n * n, "indices", INDEX_BYTES))
            else:
                kept += [new(n * c * w, "row maxima"), new(c * n * w, "row-pooled map"),
                         new(n * c * n, "column maxima")]
        return kept

    def scratch(self, a: SPPArgs, ins: list[Shape], out: Shape, itemsize: int) -> int:
        """The fullest moment of ``archlens.nn.spp.SPP`` at inference, beyond its output: the
        finished levels, plus a max pool's output and indices or the adaptive path's partial
        maxima, and at the end the levels beside the concatenated output."""
        c, h, w = ins[0]
        done, fullest = 0, 0
        for n in a.levels:
            level = c * n * n * itemsize
            if _paper_level(h, w, n):
                fullest = max(fullest, done + level + c * n * n * INDEX_BYTES)
            else:
                rows = c * n * w * itemsize   # n row maxima of C·W, then their stack
                fullest = max(fullest, done + 2 * rows, done + rows + level + level)
            done += level
        return max(fullest, done + numel(out) * itemsize) - numel(out) * itemsize

    def build(self, a: SPPArgs, ins: list[Shape]) -> torch.nn.Module:
        from archlens.nn.spp import SPP
        return SPP(a.levels)

"""Spatial pyramid pooling (He et al., "Spatial Pyramid Pooling in Deep Convolutional Networks
for Visual Recognition", ECCV 2014 / TPAMI 2015, Sec. 2.3 and Fig. 3).

A feature map of any size a_h x a_w is max-pooled at each pyramid level n into n x n bins and
the levels are concatenated into one vector of fixed length C * sum(n^2) (12,800 for 256
channels and the paper's levels {6, 3, 2, 1}).

Bin rule, per axis of length a, level n. Sec. 2.3 pools with window = ceil(a / n) and
stride = floor(a / n). That sliding window is kept where it gives exactly n bins that together
cover all a cells: (a - ceil(a/n)) // floor(a/n) + 1 == n and (n-1)·floor(a/n) + ceil(a/n) == a.
Everywhere else the bins are those of Appendix A, bin i (1-based) = [floor((i-1)·a/n),
ceil(i·a/n)) (PyTorch's AdaptiveMaxPool2d), which always gives n bins that cover every cell.
Sec. 2.3 fails three ways: a < n (stride 0, e.g. a small proposal on conv5); too many bins
(a = 8, n = 6: window 2, stride 1 gives 7); or cells left out (a = 8, n = 3: window 3, stride 2
covers cells 0..6, so a maximum in row 7 never reaches the output). ``bins`` says which rule
applied and ``why_not_sec23`` why Sec. 2.3 did not.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from archlens.core.geometry import RF, Calc, Shape, numel, require_spatial, tex_number
from archlens.core.kinds.args import bound, describe, is_size
from archlens.core.kinds.pool import adaptive_windows, bin_reads
from archlens.core.kinds.own_mistakes import SPP
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


SEC23, APPENDIX_A = "Sec. 2.3", "Appendix A"  # the rule names a profile reports


def paper_bins(a: int, n: int) -> list[tuple[int, int]] | None:
    """Sec. 2.3's bins [start, end) along one axis, or None if the rule does not give n bins."""
    window, stride = -(-a // n), a // n
    if stride == 0 or (a - window) // stride + 1 != n:
        return None
    return [(i * stride, i * stride + window) for i in range(n)]


def why_not_sec23(a: int, n: int) -> str | None:
    """Why Sec. 2.3's window/stride rule cannot pool length ``a`` into ``n`` bins, or None."""
    window, stride = -(-a // n), a // n
    if stride == 0:
        return f"{a} < {n}: stride floor({a}/{n}) = 0"
    count = (a - window) // stride + 1
    if count != n:
        return f"window {window}, stride {stride} give {count} bins"
    covered = (n - 1) * stride + window
    if covered < a:
        cells = f"cell {covered}" if covered == a - 1 else f"cells {covered}..{a - 1}"
        return f"window {window}, stride {stride} leave {cells} out"
    return None


def bins(a: int, n: int) -> tuple[list[tuple[int, int]], str]:
    """Bins along one axis of length ``a`` for level ``n``, and which rule made them."""
    if why_not_sec23(a, n) is None:
        return paper_bins(a, n), SEC23
    return adaptive_windows(a, n), APPENDIX_A


def rule_note(h: int, w: int, levels: tuple[int, ...]) -> str:
    """Which rule made each level's bins on an h x w map, and why Sec. 2.3 failed where it did."""
    parts = []
    for n in levels:
        rows, cols = bins(h, n)[1], bins(w, n)[1]
        label = f"{n}x{n} " + (rows if rows == cols else f"rows {rows}, columns {cols}")
        reasons = sorted({why_not_sec23(h, n), why_not_sec23(w, n)} - {None})
        parts.append(label + (f" ({'; '.join(reasons)})" if reasons else ""))
    return f"on {h}x{w}: " + ", ".join(parts)


def _paper_level(h: int, w: int, n: int) -> bool:
    """True where ``archlens.nn.spp`` pools the level with one pooling call (max_pool2d or
    adaptive_max_pool2d: one rule on both axes), False where it takes maxima axis by axis."""
    return bins(h, n)[1] == bins(w, n)[1]


def spp_length(channels: int, levels: tuple[int, ...]) -> int:
    """Output length C * sum(n^2)."""
    return channels * sum(n * n for n in levels)


@register("spp")
class SpatialPyramidPooling(Kind):
    """Spatial pyramid pooling (max), any (C, H, W) -> (C·Σn²,): fixed length for any input size.

    params 0, MACs 0. FLOPs: one comparison per bin element after the first (bin area − 1 per
    bin, per channel, every level), with the bins of Sec. 2.3 or, where that rule fails, of
    Appendix A (module docstring). Receptive field: none (a bin's extent depends on the input
    size).
    """
    examples = [
        ({}, [(4, 13, 13)]),                      # Sec. 2.3 on every level
        ({}, [(2, 8, 8)]),                        # 6x6 and 3x3 by Appendix A, 2x2 and 1x1 Sec. 2.3
        ({"levels": [3, 1]}, [(2, 13, 8)]),       # mixed: rows by Sec. 2.3, columns by Appendix A
        ({"levels": [6, 2]}, [(3, 4, 9)]),        # a < n: Appendix A bins, overlapping
    ]
    Args = SPPArgs
    flops_convention = "window_max"
    spatial_pyramid = True   # SPPNet's per-region network starts here
    own_mistakes = SPP

    def shape(self, a: SPPArgs, ins: list[Shape]) -> Shape:
        c, _, _ = require_spatial(ins[0], "spp")
        return (spp_length(c, a.levels),)

    def shape_calc(self, a: SPPArgs, ins: list[Shape], out: Shape) -> list[Calc]:
        """F = C·Σn²: every level n pools each channel into n×n bins (Sec. 2.3)."""
        squares = " + ".join(rf"{n} \cdot {n}" for n in a.levels)
        return [Calc(out[0], r"C \cdot \sum_n n^2", rf"{tex_number(ins[0][0])} \cdot ({squares})")]

    def flops(self, a: SPPArgs, ins: list[Shape], out: Shape) -> Calc:
        c, h, w = ins[0]
        return bin_reads(c, (h, w), [(n, n) for n in a.levels], lambda n_in, n: bins(n_in, n)[0],
                         divide=False)

    def rf(self, a: SPPArgs, in_rfs: list[RF | None]) -> RF | None:
        """None: bins depend on the input size, so units share no common field."""
        return None

    def extra(self, a: SPPArgs, ins: list[Shape], in_rfs: list[RF | None]) -> dict:
        _, h, w = ins[0]
        return {"spp_bins": rule_note(h, w, a.levels)}

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

"""Pooling: max and average (ceil mode), adaptive max and average.

FLOPs. Max and average pooling count the nominal window, k_h·k_w elements per output, also
where a border window covers padding or (ceil mode) runs past the input: k_h·k_w − 1
comparisons (max), k_h·k_w − 1 adds and a divide (average), per output element. Adaptive
pooling counts each bin's real area r: r − 1 comparisons (max), r − 1 adds and a divide (avg).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from archlens.errors import LayerProblem
from archlens.core.geometry import RF, ZERO, Calc, Shape, conv_length, numel, product, require_spatial, rf_step, tex_number, window_rf_calcs, window_shape_calcs
from archlens.core.kinds.args import Bool, NonNegPair, OptPosPair, PosPair
from archlens.core.kinds.conv import check_window
from archlens.core.kinds.registry import Kind, register
from archlens.core.kinds.saved import INDEX_BYTES, INPUT, Saved, new

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch


@dataclass(frozen=True)
class MaxPoolArgs:
    kernel_size: PosPair             # (k_h, k_w) window
    stride: OptPosPair = None        # defaults to kernel_size, as in PyTorch
    padding: NonNegPair = (0, 0)     # implicit -inf padding on each side
    dilation: PosPair = (1, 1)
    ceil_mode: Bool = False          # round the output length up (Caffe-era nets do)


@dataclass(frozen=True)
class AvgPoolArgs:
    kernel_size: PosPair
    stride: OptPosPair = None        # defaults to kernel_size
    padding: NonNegPair = (0, 0)     # implicit zero padding on each side
    ceil_mode: Bool = False
    count_include_pad: Bool = True   # PyTorch's default: padded zeros count in the mean


def _stride(a: MaxPoolArgs | AvgPoolArgs) -> tuple[int, int]:
    return a.stride or a.kernel_size


def _pool_shape(a: MaxPoolArgs | AvgPoolArgs, ins: list[Shape],
                dilation: tuple[int, int] = (1, 1)) -> Shape:
    c, h, w = require_spatial(ins[0], "pooling")
    if any(2 * p > k for p, k in zip(a.padding, a.kernel_size)):
        raise LayerProblem(f"padding {a.padding} must be at most half the kernel {a.kernel_size}")
    check_window("kernel", (h, w), a.kernel_size, a.padding, dilation)
    hw = [conv_length(n, k, s, p, d, a.ceil_mode) for n, k, s, p, d in
          zip((h, w), a.kernel_size, _stride(a), a.padding, dilation)]
    return (c, *hw)


def _pool_shape_calc(a: MaxPoolArgs | AvgPoolArgs, ins: list[Shape],
                     dilation: tuple[int, int] = (1, 1)) -> list[Calc]:
    c = ins[0][0]
    return window_shape_calcs(Calc(c, "C_{in}", str(c)), ins[0][1:], a.kernel_size, _stride(a),
                              a.padding, dilation, a.ceil_mode)


def _window_flops(out: Shape, ops_formula: str, per_window: int) -> Calc:
    c, h, w = out
    return product([r"C", r"H_{out}", r"W_{out}", ops_formula], [c, h, w, per_window])


def max_saved(out: Shape) -> list[Saved]:
    """Max pooling's backward reads its input and the int64 index of each output's maximum."""
    return [INPUT, new(numel(out), "indices", INDEX_BYTES)]


@register("maxpool")
class MaxPool(Kind):
    """Max pooling, ``torch.nn.MaxPool2d``. No MACs; FLOPs: k_h·k_w−1 comparisons per output
    element (the nominal window: padding and ceil-mode overhang count as elements)."""
    examples = [
        ({"kernel_size": 2, "stride": 2}, [(3, 9, 8)]),
        ({"kernel_size": 3, "stride": 2, "ceil_mode": True}, [(2, 14, 13)]),
        ({"kernel_size": [3, 2], "stride": [2, 1], "padding": [1, 1], "dilation": [1, 2]}, [(2, 11, 10)]),
    ]
    Args = MaxPoolArgs
    flops_convention = "per_element"
    windowed = True

    def shape(self, a: MaxPoolArgs, ins: list[Shape]) -> Shape:
        return _pool_shape(a, ins, a.dilation)

    def ops_per_element(self, a: MaxPoolArgs, ins: list[Shape]) -> int:
        kh, kw = a.kernel_size
        return kh * kw - 1

    def flops(self, a: MaxPoolArgs, ins: list[Shape], out: Shape) -> Calc:
        return _window_flops(out, r"(k_h k_w - 1)", self.ops_per_element(a, ins))

    def rf(self, a: MaxPoolArgs, in_rfs: list[RF | None]) -> RF | None:
        """A window: r' = r + (k−1)·d·j, j' = j·s, s' = s + ((k−1)·d/2 − p)·j per axis."""
        rf = in_rfs[0]
        return None if rf is None else rf_step(rf, a.kernel_size, _stride(a), a.padding, a.dilation)

    def shape_calc(self, a: MaxPoolArgs, ins: list[Shape], out: Shape) -> list[Calc]:
        return _pool_shape_calc(a, ins, a.dilation)

    def rf_calc(self, a: MaxPoolArgs, in_rfs: list[RF | None], out_rf: RF | None) -> list[Calc]:
        return window_rf_calcs(in_rfs[0], a.kernel_size, a.dilation, out_rf)

    def saved(self, a: MaxPoolArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        return max_saved(out)

    def scratch(self, a: MaxPoolArgs, ins: list[Shape], out: Shape, itemsize: int) -> int:
        return numel(out) * INDEX_BYTES   # torch runs max_pool2d_with_indices also at inference

    def footprint(self, a: MaxPoolArgs, ins: list[Shape], out: Shape) -> torch.nn.Module | None:
        from archlens.verification.footprint import WindowSum
        return WindowSum(out[0], a.kernel_size, _stride(a), a.padding, a.dilation, out[1:])

    def build(self, a: MaxPoolArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        return nn.MaxPool2d(a.kernel_size, _stride(a), a.padding, a.dilation, ceil_mode=a.ceil_mode)


@register("avgpool")
class AvgPool(Kind):
    """Average pooling, ``torch.nn.AvgPool2d``. FLOPs: k_h·k_w−1 adds and 1 divide per output
    element (the nominal window, as for max pooling), k_h·k_w in all."""
    examples = [
        ({"kernel_size": 2}, [(3, 8, 8)]),
        ({"kernel_size": 3, "stride": 2, "padding": 1, "ceil_mode": True}, [(2, 10, 13)]),
    ]
    Args = AvgPoolArgs
    flops_convention = "per_element"
    windowed = True

    def shape(self, a: AvgPoolArgs, ins: list[Shape]) -> Shape:
        return _pool_shape(a, ins)

    def ops_per_element(self, a: AvgPoolArgs, ins: list[Shape]) -> int:
        kh, kw = a.kernel_size
        return kh * kw

    def flops(self, a: AvgPoolArgs, ins: list[Shape], out: Shape) -> Calc:
        return _window_flops(out, r"k_h k_w", self.ops_per_element(a, ins))

    def rf(self, a: AvgPoolArgs, in_rfs: list[RF | None]) -> RF | None:
        """A window: r' = r + (k−1)·j, j' = j·s, s' = s + ((k−1)/2 − p)·j per axis."""
        rf = in_rfs[0]
        return None if rf is None else rf_step(rf, a.kernel_size, _stride(a), a.padding)

    def shape_calc(self, a: AvgPoolArgs, ins: list[Shape], out: Shape) -> list[Calc]:
        return _pool_shape_calc(a, ins)

    def rf_calc(self, a: AvgPoolArgs, in_rfs: list[RF | None], out_rf: RF | None) -> list[Calc]:
        return window_rf_calcs(in_rfs[0], a.kernel_size, (1, 1), out_rf)

    def saved(self, a: AvgPoolArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        return [INPUT]

    def footprint(self, a: AvgPoolArgs, ins: list[Shape], out: Shape) -> torch.nn.Module | None:
        from archlens.verification.footprint import WindowSum
        return WindowSum(out[0], a.kernel_size, _stride(a), a.padding, (1, 1), out[1:])

    def build(self, a: AvgPoolArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        return nn.AvgPool2d(a.kernel_size, _stride(a), a.padding, a.ceil_mode, a.count_include_pad)


@dataclass(frozen=True)
class AdaptiveArgs:
    output_size: PosPair             # (H_out, W_out) regardless of the input size


def adaptive_windows(n: int, m: int) -> list[tuple[int, int]]:
    """PyTorch's adaptive bins along one axis: [floor(i·n/m), ceil((i+1)·n/m))."""
    return [((i * n) // m, -(-((i + 1) * n) // m)) for i in range(m)]


def bin_reads(c: int, hw: tuple[int, int], levels: list[tuple[int, int]],
              bins_of: Callable[[int, int], list[tuple[int, int]]], divide: bool) -> Calc:
    """FLOPs of max (or, ``divide``, mean) bins: Σ over bins of (area − 1), + 1 per bin if mean.

    Bins form a grid per level, so Σ area = (Σ row spans)·(Σ column spans) = R_h·R_w; ``bins_of``
    gives the [start, end) spans of one axis of length a for a level of n bins.
    """
    terms, values = [], []
    for n_h, n_w in levels:
        r_h, r_w = (sum(e - s for s, e in bins_of(a, n)) for a, n in zip(hw, (n_h, n_w)))
        if divide:
            terms.append(rf"{tex_number(r_h)} \cdot {tex_number(r_w)}")
            values.append(r_h * r_w)
        else:
            terms.append(rf"{tex_number(r_h)} \cdot {tex_number(r_w)} - {n_h} \cdot {n_w}")
            values.append(r_h * r_w - n_h * n_w)
    symbol = r"R_h R_w" if divide else r"(R_h R_w - H_{out} W_{out})"
    formula = rf"C \sum_{{\text{{levels}}}} {symbol}" if len(levels) > 1 else rf"C \cdot {symbol}"
    return Calc(c * sum(values), formula, rf"{c} \cdot \left( {' + '.join(terms)} \right)")


class _Adaptive(Kind):
    Args = AdaptiveArgs
    divide = False  # avg adds a divide per output, max does not

    def shape(self, a: AdaptiveArgs, ins: list[Shape]) -> Shape:
        c, _, _ = require_spatial(ins[0], "adaptive pooling")
        return (c, *a.output_size)

    def flops(self, a: AdaptiveArgs, ins: list[Shape], out: Shape) -> Calc:
        """Sum over bins of (bin area − 1) comparisons/adds, plus one divide per output for avg;
        R_h, R_w: the bins' row and column spans summed (bins overlap where H is not a multiple)."""
        c, h, w = ins[0]
        return bin_reads(c, (h, w), [a.output_size], adaptive_windows, self.divide)

    def rf(self, a: AdaptiveArgs, in_rfs: list[RF | None]) -> RF | None:
        """None: bin widths depend on the input size, so units have no common field."""
        return None

    def macs(self, a: AdaptiveArgs, ins: list[Shape], out: Shape) -> Calc:
        return ZERO

    def shape_calc(self, a: AdaptiveArgs, ins: list[Shape], out: Shape) -> list[Calc]:
        c, (oh, ow) = ins[0][0], a.output_size
        return [Calc(c, "C_{in}", str(c)), Calc(oh, r"\text{output\_size}_h", str(oh)),
                Calc(ow, r"\text{output\_size}_w", str(ow))]


@register("adaptive_avgpool")
class AdaptiveAvgPool(_Adaptive):
    """``torch.nn.AdaptiveAvgPool2d``. FLOPs: bin adds plus a divide per output.

    Receptive field: none (bins vary with the input size), said explicitly.
    """
    examples = [
        ({"output_size": 3}, [(2, 7, 8)]),
        ({"output_size": [2, 4]}, [(3, 6, 9)]),
    ]
    divide = True
    flops_convention = "window_mean"

    def saved(self, a: AdaptiveArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        """The input; at output size 1x1 torch takes a mean instead, which keeps nothing."""
        return [] if tuple(a.output_size) == (1, 1) else [INPUT]

    def build(self, a: AdaptiveArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        return nn.AdaptiveAvgPool2d(a.output_size)

    def fvcore_flops(self, a: AdaptiveArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        c, h, w = ins[0]
        return c * h * w, "fvcore counts one flop per input element of adaptive_avg_pool2d"


@register("adaptive_maxpool")
class AdaptiveMaxPool(_Adaptive):
    """``torch.nn.AdaptiveMaxPool2d``. FLOPs: bin area − 1 comparisons per output.

    Receptive field: none (bins vary with the input size), said explicitly.
    """
    examples = [({"output_size": [3, 2]}, [(2, 7, 5)])]
    flops_convention = "window_max"

    def saved(self, a: AdaptiveArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        return max_saved(out)

    def scratch(self, a: AdaptiveArgs, ins: list[Shape], out: Shape, itemsize: int) -> int:
        return numel(out) * INDEX_BYTES

    def build(self, a: AdaptiveArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        return nn.AdaptiveMaxPool2d(a.output_size)

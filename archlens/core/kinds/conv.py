"""Convolution (torch.nn.Conv2d)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from archlens.errors import LayerProblem
from archlens.core.geometry import RF, Calc, Params, Shape, conv_length, fmt_shape, numel, product, require_spatial, rf_step, tex_number, window_rf_calcs, window_shape_calcs
from archlens.core.kinds.args import Bool, OptPosInt, PosInt, PosPair, _pair, choice, describe
from archlens.core.kinds.own_mistakes import CONV
from archlens.core.kinds.registry import Kind, register
from archlens.core.kinds.saved import INPUT, Saved, new

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch


def conv_padding(value: Any):
    """'same', 'valid', or zero padding per side as an integer or a pair [p_h, p_w]."""
    if value in ("same", "valid"):
        return value
    if isinstance(value, str):
        raise ValueError(f"must be same, valid, an integer or a pair [h, w], got {describe(value)}")
    return _pair(value, 0)


@dataclass(frozen=True)
class ConvArgs:
    out_channels: PosInt             # C_out: number of filters
    kernel_size: PosPair             # (k_h, k_w); one integer means a square kernel
    stride: PosPair = (1, 1)         # (s_h, s_w)
    # zero padding on each side, (p_h, p_w); or torch's 'same' (stride 1: output size = input
    # size; d(k-1) in all per axis, the odd pixel on the bottom/right) or 'valid' (none)
    padding: Annotated[Any, conv_padding] = (0, 0)
    dilation: PosPair = (1, 1)       # spacing between kernel taps, (d_h, d_w)
    groups: PosInt = 1               # C_in and C_out are split into this many groups
    bias: Bool = True                # one learnable bias per output channel
    in_channels: OptPosInt = None    # derived from the input; if given, must agree
    # zeros: weights and bias start at zero and training inits leave them so (FCN's score_pool4
    # and score_pool3, Long et al. 2015 Sec. 4.2: the skip net starts out as the coarser net).
    init: Annotated[str, choice("default", "zeros")] = "default"

    def pads(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """((top, bottom), (left, right)) as torch pads: 'same' puts d(k-1)//2 before and the
        rest after (torch.nn.Conv2d's _reversed_padding_repeated_twice)."""
        if self.padding == "valid":
            return ((0, 0), (0, 0))
        if self.padding == "same":
            total = [d * (k - 1) for k, d in zip(self.kernel_size, self.dilation)]
            return tuple((t // 2, t - t // 2) for t in total)
        ph, pw = self.padding
        return ((ph, ph), (pw, pw))

    @property
    def pad_before(self) -> tuple[int, int]:
        """(top, left) padding: where unit 0's window starts, so the field's start moves by it."""
        if not isinstance(self.padding, str):   # a pair: the same on both sides
            return tuple(self.padding)
        return tuple(lo for lo, _ in self.pads())


def check_window(name: str, n: tuple, k: tuple, p: tuple, d: tuple) -> None:
    """A window must fit inside its padded input, else PyTorch fails (or outputs nothing)."""
    span = (d[0] * (k[0] - 1) + 1, d[1] * (k[1] - 1) + 1)   # (h, w)
    padded = (n[0] + 2 * p[0], n[1] + 2 * p[1])
    if span[0] > padded[0] or span[1] > padded[1]:
        raise LayerProblem(f"{name} {fmt_shape(span)} is larger than the padded input "
                           f"{fmt_shape(padded)} (input {fmt_shape(n)}, padding {fmt_shape(p)})")


def check_channels(a: Any, c_in: int) -> None:
    if a.in_channels is not None and a.in_channels != c_in:
        raise LayerProblem(f"channel mismatch: in_channels is {a.in_channels} but the input "
                           f"has {c_in} channels")
    for what, c in (("in_channels", c_in), ("out_channels", a.out_channels)):
        if c % a.groups:
            raise LayerProblem(f"{what} {c} is not divisible by groups {a.groups}")


def _padded_copy(a: ConvArgs, shape: Shape) -> int:
    """Elements of the copy torch pads for an uneven 'same' padding (the odd pixel after, per
    axis; the even rest is the kernel's own padding), or 0 where it pads none."""
    if a.padding != "same":   # symmetric padding: the kernel pads it itself
        return 0
    extra = [hi - lo for lo, hi in a.pads()]
    if not any(extra):
        return 0
    c, h, w = shape
    return c * (h + extra[0]) * (w + extra[1])


@register("conv")
class Conv(Kind):
    """2-D convolution, ``torch.nn.Conv2d``.

    padding: pixels per side, or torch's 'same' (stride 1; d(k-1) per axis, the odd one after:
    bottom/right) or 'valid' (none). The field's start moves by the top/left padding only.
    params: weight k_h·k_w·(C_in/g)·C_out, bias C_out.
    MACs: one per weight per output position, H_out·W_out·C_out·(C_in/g)·k_h·k_w.
    FLOPs: 2·MACs + H_out·W_out·C_out bias adds (none without a bias).
    """
    examples = [  # (arguments, input shapes): the registry-wide tests run each
        ({"out_channels": 8, "kernel_size": 3, "padding": 1}, [(3, 12, 12)]),
        ({"out_channels": 6, "kernel_size": [3, 5], "stride": [2, 1], "padding": [1, 2],
          "dilation": [1, 2], "groups": 2, "bias": False}, [(4, 17, 19)]),
        ({"out_channels": 4, "kernel_size": 1, "stride": 2}, [(5, 9, 8)]),
        ({"out_channels": 4, "kernel_size": 1, "init": "zeros"}, [(5, 9, 8)]),
        ({"out_channels": 3, "kernel_size": [4, 3], "padding": "same"}, [(2, 9, 8)]),
        ({"out_channels": 3, "kernel_size": 2, "dilation": [3, 1], "padding": "same"}, [(2, 7, 6)]),
        ({"out_channels": 2, "kernel_size": 3, "stride": 2, "padding": "valid"}, [(3, 9, 8)]),
    ]
    Args = ConvArgs
    flops_convention = "macs"
    weighted = windowed = True
    own_mistakes = CONV
    width_arg = "out_channels"

    def shape(self, a: ConvArgs, ins: list[Shape]) -> Shape:
        c, h, w = require_spatial(ins[0], "conv")
        check_channels(a, c)
        if a.padding == "same" and a.stride != (1, 1):
            raise LayerProblem(f"padding 'same' needs stride 1 (torch refuses it), got stride "
                               f"{fmt_shape(a.stride)}")
        if not isinstance(a.padding, str):
            check_window("kernel", (h, w), a.kernel_size, a.padding, a.dilation)
        elif a.padding == "valid":
            check_window("kernel", (h, w), a.kernel_size, (0, 0), a.dilation)
        (top, bottom), (left, right) = a.pads()   # an uneven 'same' pads the odd pixel after
        (kh, kw), (sh, sw), (dh, dw) = a.kernel_size, a.stride, a.dilation
        return (a.out_channels, conv_length(h + bottom - top, kh, sh, top, dh),
                conv_length(w + right - left, kw, sw, left, dw))

    def params(self, a: ConvArgs, ins: list[Shape]) -> Params:
        cin_g = ins[0][0] // a.groups
        kh, kw = a.kernel_size
        weight = product(["k_h", "k_w", r"C_{in}/g", r"C_{out}"], [kh, kw, cin_g, a.out_channels])
        bias = Calc(a.out_channels, r"C_{out}", str(a.out_channels)) if a.bias else Calc(0, "0", "0")
        return Params(weight, bias)

    def macs(self, a: ConvArgs, ins: list[Shape], out: Shape) -> Calc:
        kh, kw = a.kernel_size
        return product([r"H_{out}", r"W_{out}", r"C_{out}", r"C_{in}/g", "k_h", "k_w"],
                       [out[1], out[2], out[0], ins[0][0] // a.groups, kh, kw])

    def rf(self, a: ConvArgs, in_rfs: list[RF | None]) -> RF | None:
        """A window: r' = r + (k−1)·d·j, j' = j·s, s' = s + ((k−1)·d/2 − p)·j per axis."""
        rf = in_rfs[0]
        return None if rf is None else rf_step(rf, a.kernel_size, a.stride, a.pad_before, a.dilation)

    def shape_calc(self, a: ConvArgs, ins: list[Shape], out: Shape) -> list[Calc]:
        c_out = Calc(a.out_channels, r"C_{out}", str(a.out_channels))
        if a.padding == "same" and any(lo != hi for lo, hi in a.pads()):
            return [c_out] + [_same_calc(ax, n, k, lo, hi, d) for ax, n, k, (lo, hi), d in
                              zip("HW", ins[0][1:], a.kernel_size, a.pads(), a.dilation)]
        return window_shape_calcs(c_out, ins[0][1:], a.kernel_size, a.stride, a.pad_before, a.dilation)

    def rf_calc(self, a: ConvArgs, in_rfs: list[RF | None], out_rf: RF | None) -> list[Calc]:
        return window_rf_calcs(in_rfs[0], a.kernel_size, a.dilation, out_rf)

    def build(self, a: ConvArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        padding = a.padding if isinstance(a.padding, str) else a.pad_before
        module = nn.Conv2d(ins[0][0], a.out_channels, a.kernel_size, a.stride, padding,
                           a.dilation, a.groups, a.bias)
        if a.init == "zeros":
            nn.init.zeros_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
            module.keep_init = True          # archlens.train.model's inits skip it
        return module

    def saved(self, a: ConvArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        """convolution_backward reads the input (weight gradient) and the weight; under an
        uneven 'same' padding torch first pads the odd pixel in a copy, which it keeps instead."""
        padded = _padded_copy(a, ins[0])
        return [new(padded, "padded input")] if padded else [INPUT]

    def scratch(self, a: ConvArgs, ins: list[Shape], out: Shape, itemsize: int) -> int:
        return _padded_copy(a, ins[0]) * itemsize

    def fvcore_activations(self, a: ConvArgs, ins: list[Shape], out: Shape) -> int:
        return 0 if isinstance(a.padding, str) else numel(out)   # aten::conv2d: no handle

    def torchinfo_macs(self, a: ConvArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        p = self.params(a, ins)
        reason = "torchinfo multiplies weight and bias counts by H_out·W_out, so its mult-adds include the bias additions"
        return p.total * out[1] * out[2], reason

    def fvcore_flops(self, a: ConvArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        if isinstance(a.padding, str):
            return 0, (f"fvcore counts 0: torch traces padding='{a.padding}' as aten::conv2d "
                       f"(string padding), which fvcore has no handle for")
        return self.macs(a, ins, out).value, "fvcore counts one flop per MAC and ignores the bias"


def _same_calc(axis: str, n: int, k: int, lo: int, hi: int, d: int) -> Calc:
    """Output length under asymmetric 'same' padding (stride 1): H_in + p_before + p_after - d(k-1)."""
    taps, taps_n = ("(k - 1)", f"({k} - 1)") if d == 1 else ("d(k - 1)", f"{d}({k} - 1)")
    return Calc(n + lo + hi - d * (k - 1), rf"{axis}_{{in}} + p_{{before}} + p_{{after}} - {taps}",
                rf"{tex_number(n)} + {lo} + {hi} - {taps_n}")

"""Transposed convolution ("deconvolution"), ``torch.nn.ConvTranspose2d``.

Long, Shelhamer & Darrell (CVPR 2015), Sec. 3.3: upsampling is "backwards strided
convolution"; it is not the inverse of a convolution, only shaped like its transpose.
Each input position scatters a k_h x k_w kernel into the output, s apart.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated

from archlens.errors import LayerProblem
from archlens.core import phases
from archlens.core.geometry import RF, Calc, Params, Shape, deconv_length, deconv_length_calc, fmt_shape, numel, phase_size_calc, product, require_spatial, rf_from_phases, tex_number
from archlens.core.kinds.args import Bool, NonNegPair, OptPosInt, PosInt, PosPair, choice
from archlens.core.kinds.conv import check_channels
from archlens.core.kinds.own_mistakes import DECONV
from archlens.core.kinds.registry import Kind, register
from archlens.core.kinds.saved import INPUT, Saved

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch

Init = Annotated[str, choice("default", "bilinear")]


@dataclass(frozen=True)
class ConvTransposeArgs:
    out_channels: PosInt                 # C_out
    kernel_size: PosPair                 # (k_h, k_w)
    stride: PosPair = (1, 1)             # upsampling factor (s_h, s_w)
    padding: NonNegPair = (0, 0)         # removed from each side of the full output, (p_h, p_w)
    output_padding: NonNegPair = (0, 0)  # added at the bottom/right only; must be < stride or dilation
    dilation: PosPair = (1, 1)           # spacing between kernel taps
    groups: PosInt = 1
    bias: Bool = True                    # as PyTorch; FCN's deconvolutions set bias: false
    init: Init = "default"               # bilinear: Caffe's bilinear filler (FCN surgery.interp)
    in_channels: OptPosInt = None        # derived from the input; if given, must agree


def _check_output_padding(a: ConvTransposeArgs) -> None:
    """PyTorch (and the geometry) allow output_padding only below the stride or the dilation."""
    for ax, (op, s, d) in enumerate(zip(a.output_padding, a.stride, a.dilation)):
        if op >= s and op >= d:
            axis = "hw"[ax]
            raise LayerProblem(f"output_padding {op} (axis {axis}) is impossible: it must be smaller "
                               f"than the stride {s} or the dilation {d}")


def _check_bilinear(a: ConvTransposeArgs, c_in: int) -> None:
    if a.init == "bilinear" and c_in != a.out_channels:
        raise LayerProblem(f"init: bilinear interpolates each channel onto itself, so it needs "
                           f"in_channels = out_channels; got {c_in} and {a.out_channels}")


def taps_spread(k: int, s: int, d: int) -> tuple[int, Fraction]:
    """(n, step): the most taps one output phase receives, and their spacing in input units.

    Output o receives input u where o + p = s·u + t·d; the taps of one phase are t ≡ t0 mod s/g
    (g = gcd(d, s)), consecutive ones d/g input units apart, at most ceil(k·g/s) of them.
    """
    g = math.gcd(d, s)
    return -(-k * g // s), Fraction(d, g)


def _rf_size_calc(r, k: int, s: int, d: int, j) -> Calc:
    """r + (⌈kg/s⌉ − 1)·(d/g)·j: a uniform input field r, widened by the inputs one phase reads."""
    n, step = taps_spread(k, s, d)
    if d == 1:
        return Calc(r + (n - 1) * j, r"r + \left(\left\lceil \frac{k}{s} \right\rceil - 1\right) \cdot j",
                    rf"{tex_number(r)} + \left(\left\lceil \frac{{{k}}}{{{s}}} \right\rceil - 1\right) \cdot {tex_number(j)}")
    g = math.gcd(d, s)
    return Calc(r + (n - 1) * step * j,
                r"r + \left(\left\lceil \frac{k g}{s} \right\rceil - 1\right) \cdot \frac{d}{g} \cdot j",
                rf"{tex_number(r)} + \left(\left\lceil \frac{{{k} \cdot {g}}}{{{s}}} \right\rceil - 1\right) "
                rf"\cdot \frac{{{d}}}{{{g}}} \cdot {tex_number(j)}")


@register("conv_transpose")
class ConvTranspose(Kind):
    """Transposed 2-D convolution, ``torch.nn.ConvTranspose2d``.

    shape: (n−1)s − 2p + d(k−1) + output_padding + 1 per axis.
    params: weight k_h·k_w·C_in·(C_out/g), bias C_out.
    MACs: every weight is used once per *input* position: H_in·W_in·C_in·(C_out/g)·k_h·k_w.
    FLOPs: 2·MACs + H_out·W_out·C_out bias adds (none without a bias).
    RF (exact, per output phase, archlens.core.phases): jump j/s; start as Caffe's coord_map
    (nominal centre of output 0 at input index (p − d(k−1)/2)/s). Output o reads the inputs u with
    o + p = s·u + t·d, so its field depends on its phase (o + p) mod s: the hull of those inputs'
    fields. On a uniform input field r that is r + (⌈k/s⌉ − 1)·j at most (d = 1): FCN-32s's 64/32
    upsampling reads two inputs per output, 404 + 32 = 436, not 404 + 63 = 467. Phases that
    receive no tap (d > 1 with s > 1) read nothing; later layers take the hull of the others.
    """
    examples = [  # (arguments, input shapes)
        ({"out_channels": 3, "kernel_size": 4, "stride": 2, "init": "bilinear"}, [(3, 5, 6)]),
        ({"out_channels": 4, "kernel_size": [3, 5], "stride": [2, 3], "padding": [1, 2],
          "output_padding": [1, 2], "bias": True}, [(2, 4, 5)]),
        ({"out_channels": 6, "kernel_size": 3, "dilation": 2, "groups": 2, "padding": 1,
          "bias": True}, [(4, 7, 6)]),
    ]
    Args = ConvTransposeArgs
    flops_convention = "macs"
    width_arg = "out_channels"
    weighted = True            # a dense weight per group and one bias per output
    own_mistakes = DECONV

    def shape(self, a: ConvTransposeArgs, ins: list[Shape]) -> Shape:
        c, h, w = require_spatial(ins[0], "conv_transpose")
        check_channels(a, c)
        _check_output_padding(a)
        _check_bilinear(a, c)
        hw = [deconv_length(n, k, s, p, d, op) for n, k, s, p, d, op in
              zip((h, w), a.kernel_size, a.stride, a.padding, a.dilation, a.output_padding)]
        if min(hw) < 1:
            raise LayerProblem(f"output would be empty ({fmt_shape(hw)}): padding {fmt_shape(a.padding)} "
                               f"removes more than the upsampled input {fmt_shape((h, w))} provides")
        return (a.out_channels, *hw)

    def params(self, a: ConvTransposeArgs, ins: list[Shape]) -> Params:
        kh, kw = a.kernel_size
        weight = product(["k_h", "k_w", r"C_{in}", r"C_{out}/g"],
                         [kh, kw, ins[0][0], a.out_channels // a.groups])
        bias = Calc(a.out_channels, r"C_{out}", str(a.out_channels)) if a.bias else Calc(0, "0", "0")
        return Params(weight, bias)

    def macs(self, a: ConvTransposeArgs, ins: list[Shape], out: Shape) -> Calc:
        kh, kw = a.kernel_size
        return product([r"H_{in}", r"W_{in}", r"C_{in}", r"C_{out}/g", "k_h", "k_w"],
                       [ins[0][1], ins[0][2], ins[0][0], a.out_channels // a.groups, kh, kw])

    def rf(self, a: ConvTransposeArgs, in_rfs: list[RF | None]) -> RF | None:
        """Exact per phase; None only where no output unit receives any input."""
        rf = in_rfs[0]
        if rf is None:
            return None
        geo = list(zip(rf.jump, rf.start, a.kernel_size, a.stride, a.padding, a.dilation))
        jump = tuple(Fraction(j) / s for j, _, _, s, _, _ in geo)
        start = tuple(st + (p - Fraction((k - 1) * d, 2)) * j / s for j, st, k, s, p, d in geo)
        return rf_from_phases(jump, start, tuple(
            phases.transposed(j, rf.axis_phases(ax), k, s, p, d)
            for ax, (j, _, k, s, p, d) in enumerate(geo)))

    def shape_calc(self, a: ConvTransposeArgs, ins: list[Shape], out: Shape) -> list[Calc]:
        c_out = Calc(a.out_channels, r"C_{out}", str(a.out_channels))
        return [c_out] + [deconv_length_calc(ax, n, k, s, p, d, op) for ax, n, k, s, p, d, op in
                          zip("HW", ins[0][1:], a.kernel_size, a.stride, a.padding, a.dilation,
                              a.output_padding)]

    def rf_calc(self, a: ConvTransposeArgs, in_rfs: list[RF | None], out_rf: RF | None) -> list[Calc]:
        """Size per axis: on a uniform input field, r + (⌈k/s⌉ − 1)·j (the most inputs one output
        phase reads, less one, times the input step j); after phases, the largest phase's."""
        if out_rf is None:
            return []
        rf = in_rfs[0]
        if rf.phases is not None:
            return [phase_size_calc(out_rf, ax) for ax in (0, 1)]
        return [_rf_size_calc(r, k, s, d, j) for r, k, s, d, j in
                zip(rf.size, a.kernel_size, a.stride, a.dilation, rf.jump)]

    def build(self, a: ConvTransposeArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        from archlens.nn.fcn import bilinear_
        module = nn.ConvTranspose2d(ins[0][0], a.out_channels, a.kernel_size, a.stride, a.padding,
                                    a.output_padding, a.groups, a.bias, a.dilation)
        if a.init == "bilinear":
            bilinear_(module)
        return module

    def saved(self, a: ConvTransposeArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        return [INPUT]   # as a convolution: its backward reads the input and the weight

    def fvcore_activations(self, a: ConvTransposeArgs, ins: list[Shape], out: Shape) -> int:
        return numel(out)   # aten::_convolution, transposed or not

    def torchinfo_macs(self, a: ConvTransposeArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        p = self.params(a, ins)
        reason = ("torchinfo overcounts strided ConvTranspose2d: it multiplies weights (and bias) by "
                  "the OUTPUT positions H_out·W_out as for a convolution, but a transposed "
                  "convolution uses each weight once per INPUT position: H_out·W_out / (H_in·W_in) "
                  "times too many, about s_h·s_w on large maps (4x at stride 2)")
        return p.total * out[1] * out[2], reason

    def fvcore_flops(self, a: ConvTransposeArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        return (self.macs(a, ins, out).value,
                "fvcore counts one flop per MAC (input positions for transposed convs), no bias")

"""Convolution (torch.nn.Conv2d)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from archlens.errors import LayerProblem
from archlens.core.geometry import RF, Calc, Params, Shape, conv_length, fmt_shape, numel, product, require_spatial, rf_step, window_rf_calcs, window_shape_calcs
from archlens.core.kinds.args import Bool, NonNegPair, OptPosInt, PosInt, PosPair, choice
from archlens.core.kinds.registry import Kind, register
from archlens.core.kinds.saved import INPUT, Saved

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch


@dataclass(frozen=True)
class ConvArgs:
    out_channels: PosInt             # C_out: number of filters
    kernel_size: PosPair             # (k_h, k_w); one integer means a square kernel
    stride: PosPair = (1, 1)         # (s_h, s_w)
    padding: NonNegPair = (0, 0)     # zero padding on each side, (p_h, p_w)
    dilation: PosPair = (1, 1)       # spacing between kernel taps, (d_h, d_w)
    groups: PosInt = 1               # C_in and C_out are split into this many groups
    bias: Bool = True                # one learnable bias per output channel
    in_channels: OptPosInt = None    # derived from the input; if given, must agree
    # zeros: weights and bias start at zero and training inits leave them so (FCN's score_pool4
    # and score_pool3, Long et al. 2015 Sec. 4.2: the skip net starts out as the coarser net).
    init: Annotated[str, choice("default", "zeros")] = "default"


def check_window(name: str, n: tuple, k: tuple, p: tuple, d: tuple) -> None:
    """A window must fit inside its padded input, else PyTorch fails (or outputs nothing)."""
    span = tuple(dd * (kk - 1) + 1 for kk, dd in zip(k, d))
    padded = tuple(nn + 2 * pp for nn, pp in zip(n, p))
    if any(s > q for s, q in zip(span, padded)):
        raise LayerProblem(f"{name} {fmt_shape(span)} is larger than the padded input "
                           f"{fmt_shape(padded)} (input {fmt_shape(n)}, padding {fmt_shape(p)})")


def check_channels(a: Any, c_in: int) -> None:
    if a.in_channels is not None and a.in_channels != c_in:
        raise LayerProblem(f"channel mismatch: in_channels is {a.in_channels} but the input "
                           f"has {c_in} channels")
    for what, c in (("in_channels", c_in), ("out_channels", a.out_channels)):
        if c % a.groups:
            raise LayerProblem(f"{what} {c} is not divisible by groups {a.groups}")


@register("conv")
class Conv(Kind):
    """2-D convolution, ``torch.nn.Conv2d``.

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
    ]
    Args = ConvArgs
    flops_convention = "macs"
    weighted = windowed = True
    width_arg = "out_channels"

    def shape(self, a: ConvArgs, ins: list[Shape]) -> Shape:
        c, h, w = require_spatial(ins[0], "conv")
        check_channels(a, c)
        check_window("kernel", (h, w), a.kernel_size, a.padding, a.dilation)
        hw = [conv_length(n, k, s, p, d) for n, k, s, p, d in
              zip((h, w), a.kernel_size, a.stride, a.padding, a.dilation)]
        return (a.out_channels, *hw)

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
        rf = in_rfs[0]
        return None if rf is None else rf_step(rf, a.kernel_size, a.stride, a.padding, a.dilation)

    def shape_calc(self, a: ConvArgs, ins: list[Shape], out: Shape) -> list[Calc]:
        c_out = Calc(a.out_channels, r"C_{out}", str(a.out_channels))
        return window_shape_calcs(c_out, ins[0][1:], a.kernel_size, a.stride, a.padding, a.dilation)

    def rf_calc(self, a: ConvArgs, in_rfs: list[RF | None], out_rf: RF | None) -> list[Calc]:
        return window_rf_calcs(in_rfs[0], a.kernel_size, a.dilation)

    def build(self, a: ConvArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        module = nn.Conv2d(ins[0][0], a.out_channels, a.kernel_size, a.stride, a.padding,
                           a.dilation, a.groups, a.bias)
        if a.init == "zeros":
            nn.init.zeros_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)
            module.keep_init = True          # archlens.train.model's inits skip it
        return module

    def saved(self, a: ConvArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        return [INPUT]   # convolution_backward reads the input (weight gradient) and the weight

    def fvcore_activations(self, a: ConvArgs, ins: list[Shape], out: Shape) -> int:
        return numel(out)

    def torchinfo_macs(self, a: ConvArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        p = self.params(a, ins)
        reason = "torchinfo multiplies weight and bias counts by H_out·W_out: it adds the bias adds"
        return p.total * out[1] * out[2], reason

    def fvcore_flops(self, a: ConvArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        return self.macs(a, ins, out).value, "fvcore counts one flop per MAC and ignores the bias"

"""Dense layers: flatten and linear (fully connected)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from archlens.errors import LayerProblem
from archlens.core.geometry import RF, Calc, Params, Shape, fmt_shape, numel, product
from archlens.core.kinds.args import Bool, Int, OptPosInt, PosInt
from archlens.core.kinds.registry import Kind, register
from archlens.core.kinds.saved import INPUT, Saved
from archlens.core.kinds.shape_ops import shape_axis

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch


@dataclass(frozen=True)
class FlattenArgs:
    start_dim: Int = 1    # first torch dim flattened (batch axis 0 counted, as nn.Flatten)
    end_dim: Int = -1     # last torch dim flattened


@register("flatten")
class Flatten(Kind):
    """``torch.nn.Flatten(start_dim, end_dim)``: dims start_dim..end_dim become one; the
    default (1, -1) makes (C, H, W) a (C·H·W,) vector. No parameters, MACs or FLOPs.

    Receptive field: the input's where nothing is flattened (start_dim = end_dim); otherwise
    none from here on (each feature is one input unit's value, but the layers that follow mix
    positions), said explicitly.
    """
    examples = [({}, [(3, 4, 5)]), ({"start_dim": 2}, [(3, 4, 5)]),
                ({"start_dim": 1, "end_dim": 2}, [(2, 3, 4)])]
    Args = FlattenArgs
    flops_convention = "none"
    flattening = True        # a reshape only: convolutionalization drops it
    view = True              # a view of its (contiguous) input: no new storage, nothing saved

    def _span(self, a: FlattenArgs, shape: Shape) -> tuple[int, int]:
        lo, hi = (shape_axis(d, shape, name) for d, name in ((a.start_dim, "start_dim"),
                                                             (a.end_dim, "end_dim")))
        if lo > hi:
            raise LayerProblem(f"start_dim {a.start_dim} comes after end_dim {a.end_dim}")
        return lo, hi

    def shape(self, a: FlattenArgs, ins: list[Shape]) -> Shape:
        lo, hi = self._span(a, ins[0])
        s = ins[0]
        return (*s[:lo], numel(s[lo:hi + 1]), *s[hi + 1:])

    def rf(self, a: FlattenArgs, in_rfs: list[RF | None]) -> RF | None:
        """None where spatial axes are flattened (units no longer have positions); unchanged
        where start_dim = end_dim."""
        return in_rfs[0] if a.start_dim == a.end_dim else None

    def shape_calc(self, a: FlattenArgs, ins: list[Shape], out: Shape) -> list[Calc]:
        names = ["C", "H", "W"] if len(ins[0]) == 3 else ["F"] * len(ins[0])
        lo, hi = self._span(a, ins[0])
        keep = [Calc(v, f"{n}_{{in}}", str(v)) for n, v in zip(names, ins[0])]
        return [*keep[:lo], product(names[lo:hi + 1], list(ins[0][lo:hi + 1])), *keep[hi + 1:]]

    def build(self, a: FlattenArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        return nn.Flatten(a.start_dim, a.end_dim)


@dataclass(frozen=True)
class LinearArgs:
    out_features: PosInt            # m: outputs
    bias: Bool = True               # one bias per output
    in_features: OptPosInt = None   # n: derived from the input; if given, must agree


@register("linear")
class Linear(Kind):
    """Fully connected layer, ``torch.nn.Linear``: a matrix from n to m dimensions.

    params: weight n·m, bias m.  MACs: n·m.  FLOPs: 2·n·m + m bias adds (none without a bias).
    """
    examples = [({"out_features": 7}, [(12,)]), ({"out_features": 3, "bias": False}, [(5,)])]
    Args = LinearArgs
    flops_convention = "macs"
    weighted = True
    fully_connected = True   # convolutionalization makes it a conv over its whole input
    width_arg = "out_features"

    def shape(self, a: LinearArgs, ins: list[Shape]) -> Shape:
        if len(ins[0]) != 1:
            raise LayerProblem(f"linear needs a flat input, got shape {fmt_shape(ins[0])}; "
                               f"add a flatten layer before it")
        if a.in_features is not None and a.in_features != ins[0][0]:
            raise LayerProblem(f"feature mismatch: in_features is {a.in_features} but the "
                               f"input has {ins[0][0]} features")
        return (a.out_features,)

    def params(self, a: LinearArgs, ins: list[Shape]) -> Params:
        weight = product(["n", "m"], [ins[0][0], a.out_features])
        bias = Calc(a.out_features, "m", str(a.out_features)) if a.bias else Calc(0, "0", "0")
        return Params(weight, bias)

    def macs(self, a: LinearArgs, ins: list[Shape], out: Shape) -> Calc:
        return product(["n", "m"], [ins[0][0], a.out_features])

    def shape_calc(self, a: LinearArgs, ins: list[Shape], out: Shape) -> list[Calc]:
        return [Calc(a.out_features, "m", str(a.out_features))]

    def rf(self, a: LinearArgs, in_rfs: list[RF | None]) -> RF | None:
        """None: every output reads every input feature, so spatial correspondence ends."""
        return None

    def build(self, a: LinearArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        return nn.Linear(ins[0][0], a.out_features, a.bias)

    def saved(self, a: LinearArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        """addmm keeps the input only for the weight's gradient: a frozen layer keeps none."""
        return [INPUT] if trainable else []

    def fvcore_activations(self, a: LinearArgs, ins: list[Shape], out: Shape) -> int:
        return numel(out)

    def torchinfo_macs(self, a: LinearArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        return self.params(a, ins).total, "torchinfo counts every parameter once per sample, so its mult-adds include the m bias additions"

    def fvcore_flops(self, a: LinearArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        return self.macs(a, ins, out).value, "fvcore counts one flop per MAC and ignores the bias"

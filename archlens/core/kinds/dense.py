"""Dense layers: flatten and linear (fully connected)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from archlens.errors import LayerProblem
from archlens.core.geometry import RF, Calc, Params, Shape, fmt_shape, numel, product
from archlens.core.kinds.args import Bool, NoArgs, OptPosInt, PosInt
from archlens.core.kinds.registry import Kind, register
from archlens.core.kinds.saved import INPUT, Saved

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch


@register("flatten")
class Flatten(Kind):
    """``torch.nn.Flatten``: (C, H, W) -> (C·H·W,). No parameters, MACs or FLOPs.

    Receptive field: none from here on (each feature is one input unit's value, but the
    layers that follow mix all positions), said explicitly.
    """
    examples = [({}, [(3, 4, 5)])]
    flops_convention = "none"
    flattening = True        # a reshape only: convolutionalization drops it
    view = True              # a view of its (contiguous) input: no new storage, nothing saved

    def shape(self, a: NoArgs, ins: list[Shape]) -> Shape:
        return (numel(ins[0]),)

    def rf(self, a: NoArgs, in_rfs: list[RF | None]) -> RF | None:
        return None

    def shape_calc(self, a: NoArgs, ins: list[Shape], out: Shape) -> list[Calc]:
        names = ["C", "H", "W"] if len(ins[0]) == 3 else ["F"] * len(ins[0])
        return [product(names, list(ins[0]))]

    def build(self, a: NoArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        return nn.Flatten()


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
        return self.params(a, ins).total, "torchinfo counts every parameter once per sample: it adds the bias adds"

    def fvcore_flops(self, a: LinearArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        return self.macs(a, ins, out).value, "fvcore counts one flop per MAC and ignores the bias"

"""Pointwise activations: sigmoid, tanh, gelu, silu, hardswish, hardsigmoid, relu6, hardtanh,
leaky_relu (``relu`` lives in pointwise.py with the other Caffe-era kinds).

Shape and receptive field are the input's. FLOPs per output element (``ops_per_element``)
count every add, multiply, divide and comparison as one operation and one evaluation of exp,
erf or tanh as one operation; a sign flip (negation) is free. Each kind's docstring gives its
count and the formula it is read from (PyTorch's documented definition of the module).
Peers: torchinfo counts no mult-adds for layers without parameters, and fvcore has no handle
for these ops and counts 0 (the registry's defaults say so in verify's cross-check).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from archlens.errors import LayerProblem
from archlens.core.geometry import Shape
from archlens.core.kinds.args import Bool, Float, choice
from archlens.core.kinds.pointwise import _identity, _SameShape
from archlens.core.kinds.registry import register
from archlens.core.kinds.saved import INPUT, OUTPUT, Saved

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch


@dataclass(frozen=True)
class InplaceArgs:
    inplace: Bool = False   # torch's inplace: overwrite the input (passed to the module)


class _Activation(_SameShape):
    """A pointwise activation: ``ops`` operations per element, torch module ``module``;
    its backward reads the input, or (``saves_output``) the result."""
    ops = 0
    module = ""
    saves_output = False

    def saved(self, a: Any, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        return [OUTPUT if self.saves_output else INPUT]

    def ops_per_element(self, a: Any, ins: list[Shape]) -> int:
        return self.ops

    def footprint(self, a: Any, ins: list[Shape], out: Shape) -> torch.nn.Module | None:
        # pointwise: the field is the input's; saturating ones (relu6, hardtanh) have zero
        # gradient at the footprint's all-positive activations, so the identity stands in
        return _identity()

    def _kwargs(self, a: Any) -> dict:
        return {"inplace": a.inplace} if hasattr(a, "inplace") else {}

    def build(self, a: Any, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        return getattr(nn, self.module)(**self._kwargs(a))


@register("sigmoid")
class Sigmoid(_Activation):
    """``torch.nn.Sigmoid``, 1 / (1 + exp(-x)). FLOPs: 3 per element (exp, add, divide)."""
    examples = [({}, [(3, 5, 5)])]
    ops, module = 3, "Sigmoid"
    saves_output = True   # sigmoid_backward: y(1 - y)


@register("tanh")
class Tanh(_Activation):
    """``torch.nn.Tanh``. FLOPs: 1 per element (one tanh evaluation)."""
    examples = [({}, [(2, 4, 4)])]
    ops, module = 1, "Tanh"
    saves_output = True   # tanh_backward: 1 - y²


@dataclass(frozen=True)
class GELUArgs:
    approximate: Annotated[str, choice("none", "tanh")] = "none"   # torch's approximate


@register("gelu")
class GELU(_Activation):
    """``torch.nn.GELU`` (Hendrycks & Gimpel 2016).

    FLOPs per element: exact, x·½(1 + erf(x/√2)): divide, erf, add, two multiplies = 5;
    ``approximate: tanh``, ½x(1 + tanh(√(2/π)(x + 0.044715x³))): x³ (2 multiplies), ·0.044715,
    + x, ·√(2/π), tanh, + 1, ·½, ·x = 9.
    """
    examples = [({}, [(3, 4, 4)]), ({"approximate": "tanh"}, [(6,)])]
    Args = GELUArgs
    module = "GELU"

    def ops_per_element(self, a: GELUArgs, ins: list[Shape]) -> int:
        return 9 if a.approximate == "tanh" else 5

    def _kwargs(self, a: GELUArgs) -> dict:
        return {"approximate": a.approximate}


@register("silu")
class SiLU(_Activation):
    """``torch.nn.SiLU`` (swish), x·sigmoid(x). FLOPs: 4 per element (sigmoid's 3, a multiply)."""
    examples = [({}, [(3, 5, 5)]), ({"inplace": True}, [(4, 3, 3)])]
    Args = InplaceArgs
    ops, module = 4, "SiLU"


@register("hardswish")
class Hardswish(_Activation):
    """``torch.nn.Hardswish`` (Howard et al. 2019, MobileNetV3), x·relu6(x + 3)/6.

    FLOPs: 5 per element (add 3, two comparisons of the clamp, divide by 6, multiply by x).
    """
    examples = [({}, [(3, 5, 5)])]
    Args = InplaceArgs
    ops, module = 5, "Hardswish"


@register("hardsigmoid")
class Hardsigmoid(_Activation):
    """``torch.nn.Hardsigmoid``, relu6(x + 3)/6. FLOPs: 4 per element (add, two comparisons,
    divide)."""
    examples = [({}, [(3, 5, 5)])]
    Args = InplaceArgs
    ops, module = 4, "Hardsigmoid"


@register("relu6")
class ReLU6(_Activation):
    """``torch.nn.ReLU6`` (MobileNetV2), min(max(x, 0), 6). FLOPs: 2 comparisons per element."""
    examples = [({}, [(3, 5, 5)]), ({"inplace": True}, [(8,)])]
    Args = InplaceArgs
    ops, module = 2, "ReLU6"


@dataclass(frozen=True)
class HardtanhArgs:
    min_val: Float = -1.0    # lower clamp
    max_val: Float = 1.0     # upper clamp
    inplace: Bool = False    # torch's inplace


@register("hardtanh")
class Hardtanh(_Activation):
    """``torch.nn.Hardtanh``, clamp(x, min_val, max_val). FLOPs: 2 comparisons per element."""
    examples = [({}, [(3, 5, 5)]), ({"min_val": 0.0, "max_val": 6.0}, [(2, 3, 3)])]
    Args = HardtanhArgs
    ops, module = 2, "Hardtanh"

    def shape(self, a: HardtanhArgs, ins: list[Shape]) -> Shape:
        if a.max_val <= a.min_val:
            raise LayerProblem(f"max_val {a.max_val} must be greater than min_val {a.min_val}")
        return ins[0]

    def _kwargs(self, a: HardtanhArgs) -> dict:
        return {"min_val": a.min_val, "max_val": a.max_val, "inplace": a.inplace}


@dataclass(frozen=True)
class LeakyReLUArgs:
    negative_slope: Float = 0.01   # slope for x < 0
    inplace: Bool = False          # torch's inplace


@register("leaky_relu")
class LeakyReLU(_Activation):
    """``torch.nn.LeakyReLU``, x if x > 0 else slope·x. FLOPs: 2 per element (compare,
    multiply)."""
    examples = [({}, [(3, 5, 5)]), ({"negative_slope": 0.2, "inplace": True}, [(5,)])]
    Args = LeakyReLUArgs
    ops, module = 2, "LeakyReLU"

    def _kwargs(self, a: LeakyReLUArgs) -> dict:
        return {"negative_slope": a.negative_slope, "inplace": a.inplace}


"""Pointwise and per-position kinds: relu, dropout, local response norm, batch norm, softmax.

None of them changes the shape or the receptive field. FLOPs: a fixed number of operations per
output element (``ops_per_element``, stated in each docstring); dropout has none.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from archlens.core.geometry import NO_PARAMS, ZERO, Calc, Params, Shape, numel, tex_number
from archlens.core.kinds.args import Bool, Float, Int, PosFloat, PosInt, Prob
from archlens.core.kinds.registry import Kind, register
from archlens.core.kinds.saved import INPUT, OUTPUT, Saved, new

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch



def per_element(out: Shape, ops: int, ops_formula: str) -> Calc:
    """``ops`` operations for each output element: ops · elements."""
    n = numel(out)
    return Calc(n * ops, rf"{ops_formula} \cdot \text{{elements}}", rf"{ops} \cdot {tex_number(n)}")


class _SameShape(Kind):
    flops_convention = "per_element"
    ops_formula = ""  # the per-element count in symbols where it depends on the arguments

    def shape(self, a: Any, ins: list[Shape]) -> Shape:
        return ins[0]

    def flops(self, a: Any, ins: list[Shape], out: Shape) -> Calc:
        ops = self.ops_per_element(a, ins)
        return per_element(out, ops, self.ops_formula or str(ops))


def _identity() -> torch.nn.Module:
    import torch.nn as nn
    return nn.Identity()


@dataclass(frozen=True)
class ReLUArgs:
    inplace: Bool = False   # torch's inplace: overwrite the input (Caffe's ReLU runs in place)


@register("relu")
class ReLU(_SameShape):
    """``torch.nn.ReLU`` (out of place unless ``inplace``). FLOPs: 1 comparison per element."""
    examples = [({}, [(3, 5, 5)]), ({}, [(6,)]), ({"inplace": True}, [(2, 3, 3)])]
    Args = ReLUArgs

    def ops_per_element(self, a: ReLUArgs, ins: list[Shape]) -> int:
        return 1

    def saved(self, a: ReLUArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        return [OUTPUT]   # threshold_backward reads the result (in place: the input's storage)

    def build(self, a: ReLUArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        return nn.ReLU(inplace=a.inplace)

    def footprint(self, a: ReLUArgs, ins: list[Shape], out: Shape) -> torch.nn.Module | None:
        # out of place: the footprint's input is a leaf that requires grad (torch refuses
        # an in-place op on it); the function is the same
        import torch.nn as nn
        return nn.ReLU() if a.inplace else None


@dataclass(frozen=True)
class DropoutArgs:
    p: Prob = 0.5  # probability of zeroing an element during training


@register("dropout")
class Dropout(_SameShape):
    """``torch.nn.Dropout``. FLOPs: 0 (identity at inference, where we count)."""
    examples = [({"p": 0.3}, [(3, 5, 5)])]
    Args = DropoutArgs
    flops_convention = "none"

    def flops(self, a: DropoutArgs, ins: list[Shape], out: Shape) -> Calc:
        return ZERO

    def aliases(self, a: DropoutArgs, training: bool) -> bool:
        """At inference torch returns the input tensor itself."""
        return not training or self.in_place(a)

    def saved(self, a: DropoutArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        """The scaled keep-mask, in the activation dtype as torch's CPU dropout makes it (CUDA's
        fused kernel keeps a bool mask instead, 1 byte per element)."""
        return [new(numel(out), "mask")]

    def build(self, a: DropoutArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        return nn.Dropout(a.p)


@dataclass(frozen=True)
class LRNArgs:
    size: PosInt                 # n: neighbouring channels summed over
    alpha: Float = 1e-4          # scale; PyTorch (like Caffe) divides it by n
    beta: Float = 0.75           # exponent
    k: Float = 1.0               # additive constant


@register("lrn")
class LocalResponseNorm(_SameShape):
    """``torch.nn.LocalResponseNorm`` across channels (Krizhevsky et al. 2012, Sec. 3.3).

    FLOPs per element: n squares + (n−1) adds for the window sum, scale and shift (2), power (1),
    divide (1): 2n + 3.
    """
    examples = [({"size": 5, "alpha": 0.0005, "k": 2.0}, [(8, 6, 6)])]
    Args = LRNArgs
    ops_formula = "(2n + 3)"

    def ops_per_element(self, a: LRNArgs, ins: list[Shape]) -> int:
        return 2 * a.size + 3

    def saved(self, a: LRNArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        """square and divide keep the input; pow keeps its base (k + alpha/n·window) and result."""
        return [INPUT, new(numel(out), "pow base"), new(numel(out), "pow result")]

    def scratch(self, a: LRNArgs, ins: list[Shape], out: Shape, itemsize: int) -> int:
        """LocalResponseNormModule's fullest moment: the power's base (the window sum, scaled in
        place), its result and one temporary (the square root of beta = 0.75's two roots, or
        the output itself), three C-channel maps beside the input: two beyond the output."""
        return 2 * numel(out) * itemsize

    def footprint(self, a: LRNArgs, ins: list[Shape], out: Shape) -> torch.nn.Module | None:
        return _identity()  # per-position: the spatial field is its input's

    def build(self, a: LRNArgs, ins: list[Shape]) -> torch.nn.Module:
        from archlens.nn.modules import LocalResponseNormModule   # torch's function, summed faster (benchmarks/lrn.py)
        return LocalResponseNormModule(a.size, a.alpha, a.beta, a.k)


@dataclass(frozen=True)
class BatchNormArgs:
    eps: PosFloat = 1e-5         # added to the variance
    momentum: Prob = 0.1         # running-statistics update rate
    affine: Bool = True          # learnable scale (gamma) and shift (beta) per channel


@register("batchnorm")
class BatchNorm(_SameShape):
    """``torch.nn.BatchNorm2d`` (or 1d on flat inputs).

    params: weight (gamma) C, bias (beta) C; running mean/var are buffers, not parameters.
    FLOPs at inference: 2 per element (normalise and affine folded into one scale and shift).
    """
    examples = [({}, [(4, 5, 5)]), ({"affine": False}, [(6,)])]
    Args = BatchNormArgs

    def params(self, a: BatchNormArgs, ins: list[Shape]) -> Params:
        c = ins[0][0]
        if not a.affine:
            return NO_PARAMS
        return Params(Calc(c, "C", str(c)), Calc(c, "C", str(c)))

    def ops_per_element(self, a: BatchNormArgs, ins: list[Shape]) -> int:
        return 2

    def saved(self, a: BatchNormArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        """Training: the input and the batch mean and inverse std (C each, whatever the batch)."""
        c = ins[0][0]
        return [INPUT, new(c, "batch mean", per_sample=False),
                new(c, "inverse std", per_sample=False)]

    def footprint(self, a: BatchNormArgs, ins: list[Shape], out: Shape) -> torch.nn.Module | None:
        return _identity()  # per-position: the spatial field is its input's

    def build(self, a: BatchNormArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        cls = nn.BatchNorm2d if len(ins[0]) == 3 else nn.BatchNorm1d
        return cls(ins[0][0], a.eps, a.momentum, a.affine)

    def torchinfo_macs(self, a: BatchNormArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        return self.params(a, ins).total, "torchinfo counts each BatchNorm parameter once per sample"

    def fvcore_flops(self, a: BatchNormArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        n = numel(out)
        return n * (2 if a.affine else 1), "fvcore counts 1 flop per element, 2 with affine, in eval mode"


@dataclass(frozen=True)
class SoftmaxArgs:
    dim: Int = 1  # PyTorch's dim, counted with the batch axis (1 = channels/features)


@register("softmax")
class Softmax(_SameShape):
    """``torch.nn.Softmax``. FLOPs: 3 per element (exp, sum, divide)."""
    examples = [({}, [(10,)]), ({"dim": 1}, [(4, 3, 3)])]
    Args = SoftmaxArgs

    def ops_per_element(self, a: SoftmaxArgs, ins: list[Shape]) -> int:
        return 3

    def saved(self, a: SoftmaxArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        return [OUTPUT]   # _softmax_backward_data reads the result

    def footprint(self, a: SoftmaxArgs, ins: list[Shape], out: Shape) -> torch.nn.Module | None:
        return _identity()  # outputs sum to 1, so the sum's gradient vanishes; field unchanged

    def build(self, a: SoftmaxArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        return nn.Softmax(dim=a.dim)

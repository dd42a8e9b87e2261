"""Group normalisation (Wu & He 2018), ``torch.nn.GroupNorm``."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from archlens.errors import LayerProblem
from archlens.core.geometry import RF, Calc, Params, Shape, fmt_shape, numel
from archlens.core.kinds.args import Bool, PosFloat, PosInt
from archlens.core.kinds.pointwise import _SameShape
from archlens.core.kinds.registry import register
from archlens.core.kinds.saved import INPUT, Saved, new

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch


@dataclass(frozen=True)
class GroupNormArgs:
    num_groups: PosInt          # G: channels are split into G groups, normalised apart
    eps: PosFloat = 1e-5        # added to the variance
    affine: Bool = True         # learnable per-channel scale (weight) and shift (bias)


@register("groupnorm")
class GroupNorm(_SameShape):
    """``torch.nn.GroupNorm(num_groups, C)``; num_channels is the input's C.

    params: weight C and bias C with ``affine`` (Wu & He 2018, Eq. 1 and Sec. 3.1), else none.
    FLOPs per element: 5 for the statistics and normalisation (an add into the group sum,
    subtract the mean, square, an add into the sum of squares, divide by the std), plus 2
    with ``affine`` (scale and shift): 7. Unlike batch norm at inference the statistics are
    computed from each sample, so they cannot be folded away. Left out: per group and sample,
    the two divides by the group size, the eps add and the square root (4 operations per group,
    against 5-7 per element).
    Receptive field: none. The statistics make every unit depend on the whole map (batch norm
    at inference uses stored statistics and stays per position).
    Peers: torchinfo counts each parameter once per sample (2C); fvcore counts 5 per input
    element with affine, 4 without ("a rough estimate", fvcore's jit_handles.norm_flop_counter).
    """
    examples = [({"num_groups": 2}, [(4, 5, 5)]), ({"num_groups": 3, "affine": False}, [(6, 3, 4)])]
    Args = GroupNormArgs

    def shape(self, a: GroupNormArgs, ins: list[Shape]) -> Shape:
        if len(ins[0]) < 2:
            raise LayerProblem(f"groupnorm needs channels and positions, got shape {fmt_shape(ins[0])}")
        if ins[0][0] % a.num_groups:
            raise LayerProblem(f"{ins[0][0]} channels are not divisible by num_groups {a.num_groups}")
        return ins[0]

    def params(self, a: GroupNormArgs, ins: list[Shape]) -> Params:
        c = ins[0][0]
        return Params(Calc(c, "C", str(c)), Calc(c, "C", str(c))) if a.affine else Params()

    def ops_per_element(self, a: GroupNormArgs, ins: list[Shape]) -> int:
        return 7 if a.affine else 5

    def rf(self, a: GroupNormArgs, in_rfs: list[RF | None]) -> RF | None:
        """None: a group's mean and variance read every position of the map, so every output
        unit depends on the whole input, which no local field describes (said explicitly)."""
        return None

    def saved(self, a: GroupNormArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        """The input and each group's mean and inverse std (G per sample)."""
        return [INPUT, new(a.num_groups, "group means"), new(a.num_groups, "inverse stds")]

    def scratch(self, a: GroupNormArgs, ins: list[Shape], out: Shape, itemsize: int) -> int:
        return 2 * a.num_groups * itemsize   # native_group_norm returns the statistics too

    def build(self, a: GroupNormArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        return nn.GroupNorm(a.num_groups, ins[0][0], a.eps, a.affine)

    def torchinfo_macs(self, a: GroupNormArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        return self.params(a, ins).total, "torchinfo counts each GroupNorm parameter once per sample"

    def fvcore_flops(self, a: GroupNormArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        n = numel(ins[0])
        return n * (5 if a.affine else 4), "fvcore counts 5 flops per element with affine, 4 without"

"""Kinds that move or reduce values without weights: identity, mean (global average), pad.

Dims are counted as in torch code, the batch axis 0 included (``x.mean((2, 3))`` is
``dim: [2, 3]``); spec shapes exclude it, so dim d is shape axis d - 1.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any

from archlens.errors import LayerProblem
from archlens.core.geometry import RF, Calc, Shape, fmt_shape, numel, shifted, tex_number
from archlens.core.kinds.args import Bool, Float, NoArgs, _int_any, describe
from archlens.core.kinds.registry import Kind, register

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch


def int_list(value: Any) -> tuple[int, ...]:
    """An integer or a list of integers, as a tuple."""
    values = value if isinstance(value, (list, tuple)) else [value]
    if not values:
        raise ValueError("must name at least one dim, got []")
    try:
        return tuple(_int_any(v) for v in values)
    except ValueError:
        raise ValueError(f"must be an integer or a list of integers, got {describe(value)}") from None


IntList = Annotated[tuple, int_list]


def shape_axis(dim: int, shape: Shape, what: str = "dim") -> int:
    """Spec-shape axis of torch dim ``dim`` (batch axis 0 included; negatives from the end)."""
    rank = len(shape) + 1
    d = dim + rank if dim < 0 else dim
    if not 0 <= d < rank:
        raise LayerProblem(f"{what} {dim} is out of range for input {fmt_shape(shape)} "
                           f"(dims -{rank}..{rank - 1}, batch axis 0 included)")
    if d == 0:
        raise LayerProblem(f"{what} {dim} is the batch axis, and a layer works per sample "
                           f"(dims count as in torch: batch 0, channels 1)")
    return d - 1


@register("identity")
class Identity(Kind):
    """``torch.nn.Identity``: output is the input. No parameters, MACs or FLOPs."""
    view = True   # returns its input tensor itself
    examples = [({}, [(3, 4, 4)]), ({}, [(7,)])]
    flops_convention = "none"

    def shape(self, a: NoArgs, ins: list[Shape]) -> Shape:
        return ins[0]

    def build(self, a: NoArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        return nn.Identity()


@dataclass(frozen=True)
class MeanArgs:
    dim: IntList = (2, 3)    # torch dims averaged over (batch axis 0 included)
    keepdim: Bool = False    # keep the averaged dims with size 1


@register("mean")
class Mean(Kind):
    """``x.mean(dim, keepdim)``; ``dim: [2, 3]`` is global average pooling.

    FLOPs: each output averages r = the product of the averaged sizes: r − 1 adds and one
    divide, r in all, so the input's element count in total (the window_mean convention).
    Receptive field: the input's where no spatial axis is averaged and the output keeps
    (C, H, W); otherwise none: a unit averaged over H or W reads the whole extent of the
    input along it, which no local field describes (said explicitly, as for adaptive pooling).
    fvcore has no handle for ``aten::mean`` and counts 0.
    """
    examples = [({}, [(4, 5, 6)]), ({"dim": [2, 3], "keepdim": True}, [(3, 4, 4)]),
                ({"dim": 1, "keepdim": True}, [(3, 4, 5)]), ({"dim": [-1, -2]}, [(2, 3, 3)])]
    Args = MeanArgs
    flops_convention = "window_mean"

    def _axes(self, a: MeanArgs, shape: Shape) -> set[int]:
        axes = [shape_axis(d, shape) for d in a.dim]
        if len(set(axes)) != len(axes):
            raise LayerProblem(f"dim {list(a.dim)} names one axis twice")
        return set(axes)

    def shape(self, a: MeanArgs, ins: list[Shape]) -> Shape:
        axes = self._axes(a, ins[0])
        if a.keepdim:
            return tuple(1 if i in axes else n for i, n in enumerate(ins[0]))
        out = tuple(n for i, n in enumerate(ins[0]) if i not in axes)
        if not out:
            raise LayerProblem("averaging every axis leaves no features per sample; "
                               "keep one axis or set keepdim: true")
        return out

    def flops(self, a: MeanArgs, ins: list[Shape], out: Shape) -> Calc:
        n = numel(ins[0])
        return Calc(n, r"\text{input elements}", tex_number(n))

    def rf(self, a: MeanArgs, in_rfs: list[RF | None]) -> RF | None:
        """Unchanged for a mean over channels (keepdim); None for a mean over positions."""
        # spatial axes are 1, 2 of (C, H, W); only a channel mean keeps the field
        spatial = len(a.dim) == 1 and a.keepdim and a.dim[0] in (1, -3)
        return in_rfs[0] if spatial else None

    def build(self, a: MeanArgs, ins: list[Shape]) -> torch.nn.Module:
        from archlens.nn.modules import MeanModule
        return MeanModule(a.dim, a.keepdim)

    def fvcore_flops(self, a: MeanArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        return 0, "fvcore has no handle for aten::mean and counts 0"


def pad_list(value: Any) -> tuple[int, ...]:
    """[left, right] or [left, right, top, bottom] (F.pad order): integers, negatives crop."""
    if not isinstance(value, (list, tuple)) or len(value) not in (2, 4):
        raise ValueError(f"must be [left, right] or [left, right, top, bottom] (F.pad order), "
                         f"got {describe(value)}")
    return int_list(value)


@dataclass(frozen=True)
class PadArgs:
    pad: Annotated[tuple, pad_list]    # F.pad order: last axis first, [left, right, top, bottom]
    value: Float = 0.0                 # the constant written into the padding


@register("pad")
class Pad(Kind):
    """``F.pad(x, pad, mode="constant", value)``: [left, right] pads W, [top, bottom] pads H.

    No parameters, MACs or FLOPs (a copy). Receptive field: sizes and jumps unchanged (the
    constant depends on no input); unit 0 moves left/up by the left/top pad, so the start
    moves by -left·j and -top·j.
    """
    examples = [({"pad": [1, 2, 0, 3]}, [(2, 5, 6)]), ({"pad": [1, 1], "value": 1.5}, [(3, 4, 4)]),
                ({"pad": [2, 0]}, [(5,)])]
    Args = PadArgs
    flops_convention = "none"

    def _pads(self, a: PadArgs, shape: Shape) -> list[tuple[int, int]]:
        """(before, after) per padded spec axis, last axis first."""
        pairs = [tuple(a.pad[i:i + 2]) for i in range(0, len(a.pad), 2)]
        room = len(shape) - (len(shape) == 3)   # H and W of a map (never its channels), or F
        if len(pairs) > room:
            raise LayerProblem(f"pad {list(a.pad)} pads {len(pairs)} axes but input "
                               f"{fmt_shape(shape)} has {room} to pad")
        return pairs

    def shape(self, a: PadArgs, ins: list[Shape]) -> Shape:
        out = list(ins[0])
        for i, (lo, hi) in enumerate(self._pads(a, ins[0])):
            out[-1 - i] += lo + hi
        return tuple(out)

    def shape_calc(self, a: PadArgs, ins: list[Shape], out: Shape) -> list[Calc]:
        names = ["C", "H", "W"] if len(out) == 3 else ["F"]
        calcs = [Calc(v, f"{n}_{{in}}", tex_number(v)) for n, v in zip(names, ins[0])]
        for i, (lo, hi) in enumerate(self._pads(a, ins[0])):
            n, v = names[-1 - i], ins[0][-1 - i]
            side = ("p_{left} + p_{right}" if i == 0 else "p_{top} + p_{bottom}")
            calcs[-1 - i] = Calc(v + lo + hi, f"{n}_{{in}} + {side}",
                                 f"{tex_number(v)} + {_signed(lo)} + {_signed(hi)}")
        return calcs

    def rf(self, a: PadArgs, in_rfs: list[RF | None]) -> RF | None:
        """r and j unchanged; unit 0 moves to the old unit −top, −left (s' = s − p·j)."""
        rf = in_rfs[0]
        if rf is None:
            return None
        left, top = a.pad[0], (a.pad[2] if len(a.pad) == 4 else 0)
        return shifted(rf, (-top, -left))   # unit 0 is the old unit −top, −left; phases turn with it

    def build(self, a: PadArgs, ins: list[Shape]) -> torch.nn.Module:
        from archlens.nn.modules import PadModule
        return PadModule(a.pad, a.value)


def _signed(v: int) -> str:
    return str(v) if v >= 0 else f"({v})"

"""Upsampling by interpolation, ``torch.nn.Upsample`` / ``F.interpolate`` (nearest, bilinear).

Output size: ``size`` as given, or floor(n·scale_factor) per axis (torch's rule), or, with a
second input (``inputs: [to_resize, reference]``), the reference's height and width: FPN's
top-down path, ``F.interpolate(p, size=c.shape[-2:])`` (Lin et al., CVPR 2017, Sec. 3, Fig. 3),
exact at every input size where a fixed scale of 2 holds only where the sizes divide. The
reference is read for its size only (the ``reference_input`` trait, as crop's). The index
arithmetic is torch's (ATen UpSample.h), in exact fractions, per axis, with a = 1/scale_factor
where a factor is given, else n_in/n_out:
- nearest: output o copies input floor(o·a) (o itself where n_out = n_in, o // 2 where n_out = 2·n_in);
- bilinear: source x = (o + ½)·a − ½ (align_corners false; x < 0 reads 0), or x = o·(n_in − 1)/(n_out − 1)
  (align_corners true); it reads floor(x) with weight 1 − λ and floor(x) + 1 with weight λ,
  λ = x − floor(x) (the second only where λ > 0).
No parameters, no MACs. FLOPs per output element: nearest 0 (a copy); bilinear 7, the weighted
sum of the four corner values (4 multiplies by the precomputed weights, 3 adds; the weights
themselves, computed once per row and column, are not counted).
RF (exact, per output phase, archlens.core.phases): jump a·j; nominal centre of output o at input
index (o + ½)·a − ½ (o·a with align_corners), the pixel-centre correspondence; each phase's
field is the hull of the fields of the inputs it reads with a non-zero weight.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any

from archlens.core import phases
from archlens.core.geometry import RF, Calc, Shape, fmt_shape, phase_size_calc, require_spatial, rf_from_phases
from archlens.core.kinds.args import choice, describe, finite_number, is_size
from archlens.core.kinds.mistakes import Rule, RuleInput
from archlens.core.kinds.pointwise import per_element
from archlens.core.kinds.registry import Kind, register
from archlens.errors import LayerProblem

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch


def _scale(value: Any) -> tuple[float, float] | None:
    if value is None:
        return None
    values = list(value) if isinstance(value, (list, tuple)) else [value, value]
    if len(values) != 2:
        raise ValueError(f"must be a number or a pair [h, w], got {describe(value)}")
    out = tuple(finite_number(v) for v in values)
    if min(out) <= 0:
        raise ValueError(f"must be positive, got {describe(value)}")
    return out


def _size(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    values = list(value) if isinstance(value, (list, tuple)) else [value, value]
    if len(values) != 2 or not all(is_size(v) for v in values):
        raise ValueError(f"must be a positive integer or a pair [h, w], got {describe(value)}")
    return tuple(values)


def _align(value: Any) -> bool | None:
    if value is not None and not isinstance(value, bool):
        raise ValueError(f"must be null, true or false, got {describe(value)}")
    return value


@dataclass(frozen=True)
class UpsampleArgs:
    scale_factor: Annotated[tuple | None, _scale] = None   # (s_h, s_w): output floor(n·s)
    size: Annotated[tuple | None, _size] = None            # (H_out, W_out); exactly one of the
    #                                     two, or neither where a second input gives the size
    mode: Annotated[str, choice("nearest", "bilinear")] = "nearest"
    align_corners: Annotated[bool | None, _align] = None   # bilinear only; null means false


def _check(a: UpsampleArgs, ins: list[Shape]) -> None:
    if len(ins) > 2:
        raise LayerProblem(f"takes one input, or two (inputs: [to_resize, reference]), got {len(ins)}")
    given = [k for k in ("scale_factor", "size") if getattr(a, k) is not None]
    if len(ins) == 2 and given:
        raise LayerProblem(f"the reference input gives the size; drop {given[0]}")
    if len(ins) == 1 and len(given) != 1:
        raise LayerProblem("give exactly one of scale_factor and size (or a reference input: "
                           "inputs: [to_resize, reference])")
    if a.mode == "nearest" and a.align_corners is not None:
        raise LayerProblem("align_corners applies to bilinear only (torch refuses it for nearest)")


def _out_lengths(a: UpsampleArgs, ins: list[Shape]) -> tuple[int, int]:
    if len(ins) == 2:
        return tuple(require_spatial(ins[1], "upsample reference")[1:])
    if a.size is not None:
        return a.size
    return tuple(math.floor(float(n) * s) for n, s in zip(ins[0][1:], a.scale_factor))


def source_step(a: UpsampleArgs, ax: int, n: int, m: int) -> Fraction:
    """a: input units per output unit along axis ``ax`` (torch's scale, as an exact fraction)."""
    if a.mode == "bilinear" and a.align_corners:
        return Fraction(n - 1, m - 1) if m > 1 else Fraction(0)
    if a.mode == "nearest" and m in (n, 2 * n):   # torch's special cases: a copy, o // 2
        return Fraction(n, m)
    if a.scale_factor is not None:
        return 1 / Fraction(repr(a.scale_factor[ax]))
    return Fraction(n, m)


def _axis_reads(a: UpsampleArgs, step: Fraction):
    """(c0, reads): the nominal centre of output 0 and reads(q) -> (u, u − centre(q))."""
    corners = a.mode == "bilinear" and a.align_corners
    centre = (lambda q: q * step) if corners else (lambda q: (q + Fraction(1, 2)) * step - Fraction(1, 2))

    def reads(q):
        c = centre(q)
        if a.mode == "nearest":
            u = math.floor(q * step)
            return [(u, u - c)]
        x = c                                   # bilinear: the source coordinate is the centre
        u = math.floor(x)
        return [(u, u - c)] + ([(u + 1, u + 1 - c)] if x > u else [])
    return centre(0), reads


# --- mistakes of this kind's own formula (the catalogue adds the shared ones) ---------------

def _reference_ignored(f: RuleInput):
    """Twice the input's size, where the reference says otherwise (13 -> 26, not 25)."""
    if len(f.lp.in_shapes) != 2:
        return None
    c, h, w = f.lp.in_shapes[0]
    return (c, 2 * h, 2 * w)


UPSAMPLE = (
    Rule("upsample_doubled_not_to_reference", "out_shape", _reference_ignored,
         "You doubled the input's size: this upsample resizes to its reference's height and "
         "width, which are not twice the input's where a stride-2 layer rounded up (25 from 13, "
         "not 26)."),
)


@register("upsample")
class Upsample(Kind):
    """Upsampling, ``torch.nn.Upsample`` (nearest or bilinear; see the module docstring)."""
    examples = [
        ({"scale_factor": 2}, [(2, 5, 6)]),
        ({"scale_factor": [3, 1.5], "mode": "bilinear"}, [(2, 4, 6)]),
        ({"size": [9, 7], "mode": "bilinear", "align_corners": True}, [(3, 4, 5)]),
        ({"size": 10, "mode": "nearest"}, [(1, 4, 6)]),
        ({}, [(2, 5, 6), (1, 11, 13)]),                                # FPN: to the reference's size
        ({"mode": "bilinear", "align_corners": True}, [(3, 4, 5), (2, 9, 7)]),
    ]
    Args = UpsampleArgs
    arity = 0                 # one input, or two: [to_resize, reference] (checked by shape)
    reference_input = True
    flops_convention = "per_element"
    own_mistakes = UPSAMPLE

    def shape(self, a: UpsampleArgs, ins: list[Shape]) -> Shape:
        c, h, w = require_spatial(ins[0], "upsample")
        _check(a, ins)
        hw = _out_lengths(a, ins)
        if min(hw) < 1:
            raise LayerProblem(f"output would be empty ({fmt_shape(hw)}) at input {fmt_shape((h, w))}")
        return (c, *hw)

    def ops_per_element(self, a: UpsampleArgs, ins: list[Shape]) -> int:
        return 7 if a.mode == "bilinear" else 0

    def flops(self, a: UpsampleArgs, ins: list[Shape], out: Shape) -> Calc:
        ops = self.ops_per_element(a, ins)
        return per_element(out, ops, r"(4 \cdot \text{mul} + 3 \cdot \text{add})" if ops else "0")

    def rf(self, a: UpsampleArgs, in_rfs: list[RF | None]) -> RF | None:
        raise LayerProblem("upsample: the receptive field depends on the input size (rf_with_shapes)")

    def rf_with_shapes(self, a: UpsampleArgs, ins: list[Shape], in_rfs: list[RF | None]) -> RF | None:
        """Exact per output phase: jump a·j; each phase's field is the hull of the fields of
        the inputs it reads with a non-zero weight (module docstring)."""
        rf = in_rfs[0]
        if rf is None:
            return None
        hw_in = ins[0][1:]
        hw_out = _out_lengths(a, ins)
        jump, start, axes = [], [], []
        for ax, (n, m) in enumerate(zip(hw_in, hw_out)):
            step = source_step(a, ax, n, m)
            c0, reads = _axis_reads(a, step)
            period = step.denominator * rf.period(ax)
            jump.append(rf.jump[ax] * step)
            start.append(rf.start[ax] + c0 * rf.jump[ax])
            axes.append(phases.gather(rf.jump[ax], rf.axis_phases(ax), period, reads))
        return rf_from_phases(tuple(jump), tuple(start), tuple(axes))

    def rf_calc(self, a: UpsampleArgs, in_rfs: list[RF | None], out_rf: RF | None) -> list[Calc]:
        """The largest field over the output's phases (each phase: the inputs it reads)."""
        return [] if out_rf is None else [phase_size_calc(out_rf, ax) for ax in (0, 1)]

    def shape_calc(self, a: UpsampleArgs, ins: list[Shape], out: Shape) -> list[Calc]:
        c = ins[0][0]
        if len(ins) == 2:
            return [Calc(c, r"C_{in}", str(c))] + [Calc(v, rf"{ax}_{{ref}}", str(v))
                                                    for ax, v in zip("HW", out[1:])]
        if a.size is not None:
            return [Calc(c, r"C_{in}", str(c))] + [Calc(v, rf"\text{{size}}_{ax}", str(v))
                                                    for ax, v in zip("hw", a.size)]
        return [Calc(c, r"C_{in}", str(c))] + [
            Calc(v, rf"\left\lfloor {ax}_{{in}} \cdot s \right\rfloor",
                 rf"\left\lfloor {n} \cdot {_tex_factor(s)} \right\rfloor")
            for ax, v, n, s in zip("HW", out[1:], ins[0][1:], a.scale_factor)]

    def build(self, a: UpsampleArgs, ins: list[Shape]) -> torch.nn.Module:
        import torch.nn as nn
        if len(ins) == 2:
            from archlens.nn.modules import UpsampleToModule
            return UpsampleToModule(a.mode, a.align_corners)
        factor = None if a.scale_factor is None else tuple(a.scale_factor)
        return nn.Upsample(size=a.size, scale_factor=factor, mode=a.mode, align_corners=a.align_corners)

    def fvcore_flops(self, a: UpsampleArgs, ins: list[Shape], out: Shape) -> tuple[int, str]:
        per = 4 if a.mode == "bilinear" else 1
        n = out[0] * out[1] * out[2]
        return per * n, f"fvcore counts {per} flop{'s' if per > 1 else ''} per output element of upsample_{a.mode}2d"


def _tex_factor(s: float) -> str:
    f = Fraction(repr(s))
    return str(f.numerator) if f.denominator == 1 else rf"\tfrac{{{f.numerator}}}{{{f.denominator}}}"

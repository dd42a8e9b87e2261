"""Merges of several inputs: elementwise add and mul (torch broadcasting) and channel concat.

Receptive field of a merge (issue 16 item 7): output unit i reads unit i of every input, so
its field is the union of the inputs' fields, given as the smallest interval holding them all
(per axis: from the lowest field start to the highest field end). Inputs whose centres differ
(a ResNet-D shortcut: 2x2 average pool then 1x1 conv, beside a 3x3 stride-2 conv) are what
torch runs: the profile gives the union, keeps the offset between the centres as the fact
``misaligned_px`` (input pixels, per axis y, x) and warns; only a merge with ``align: true``
(the FCN skip fusions, whose crop offsets derive from alignment) refuses them.

No field (``none``) where it cannot be one interval per unit that moves with the unit:
- an input has no field (a global pooling or fully connected branch, e.g. the
  squeeze-excitation scale): each output unit also depends on everything that input read
  (for a global mean, the whole input), which no local field describes;
- an input is broadcast along a spatial axis (size 1 there, the output larger): every output
  unit reads that input's one unit, whose field does not move with the unit;
- the inputs' jumps differ: the union's extent then changes from unit to unit.
The fact ``rf_none`` says which of these applied.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from archlens.errors import LayerProblem
from archlens.core.geometry import RF, Calc, Shape, fmt_shape, numel, phase_size_calc, rf_union, tex_number
from archlens.core.kinds.args import Bool
from archlens.core.kinds.registry import Kind, register
from archlens.core.kinds.saved import Saved, new

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch


class MisalignedInputs(LayerProblem):
    """Raised by a merge (or crop) whose inputs' fields do not align; the profile names them."""

    def __init__(self, i: int, j: int, detail: str, action: str = "merge"):
        self.i, self.j, self.detail, self.action = i, j, detail, action
        super().__init__(detail)

    def message(self, inputs=None) -> str:
        """'cannot merge 'a' and 'b': ...' or 'cannot crop 'a' to 'b': ...'; just the detail
        when the input names are not given."""
        if inputs is None:
            return str(self)
        joiner = " to " if self.action == "crop" else " and "
        return f"cannot {self.action} '{inputs[self.i]}'{joiner}'{inputs[self.j]}': {self.detail}"


class Misalignment(MisalignedInputs):
    """The same finding as a warning: the merge goes ahead with the union of the fields."""

    def message(self, inputs=None) -> str:
        if inputs is None:
            return str(self)
        return (f"merging '{inputs[self.i]}' and '{inputs[self.j]}' whose fields do not align: "
                f"{self.detail}")


@dataclass(frozen=True)
class MergeArgs:
    # refuse inputs whose fields do not share jump and centres (FCN's skip fusions: their crop
    # offsets are derived from alignment, Long et al. 2015 Sec. 4.2); default: warn, merge
    align: Bool = False


def _whole(v):
    """A Fraction that is whole as an int (fields keep plain ints where they can)."""
    return v.numerator if isinstance(v, Fraction) and v.denominator == 1 else v


def _pixels(v) -> int | str:
    """An offset for the JSON and notes: an int when whole, else the exact fraction 'p/q'."""
    v = _whole(v)
    return v if isinstance(v, int) else str(v)


def _first_misfit(in_rfs: list[RF]) -> MisalignedInputs | None:
    first = in_rfs[0]
    for j, rf in enumerate(in_rfs[1:], start=1):
        if rf.jump != first.jump:
            return MisalignedInputs(0, j, f"jumps differ ({fmt_shape(first.jump)} vs "
                                          f"{fmt_shape(rf.jump)})")
        if rf.start != first.start:
            return MisalignedInputs(0, j, f"centres do not align (start {fmt_shape(first.start)} "
                                          f"vs {fmt_shape(rf.start)}); crop one to the other first")
    return None


def _none_reason(in_rfs: list[RF | None], ins: list[Shape], out: Shape) -> str | None:
    if any(rf is None for rf in in_rfs):
        return "an input has no field (each unit reads all that input read)"
    if _broadcast(ins):
        return "an input is broadcast over positions"
    if len({rf.jump for rf in in_rfs}) > 1:
        return "jumps differ"
    return None


def union_rf(in_rfs: list[RF]) -> RF:
    """The smallest interval per axis holding every input's field (equal jumps)."""
    size, start = [], []
    for ax in (0, 1):
        lo = min(rf.start[ax] - Fraction(rf.size[ax] - 1) / 2 for rf in in_rfs)
        hi = max(rf.start[ax] + Fraction(rf.size[ax] - 1) / 2 for rf in in_rfs)
        size.append(_whole(hi - lo + 1))
        start.append(_whole((lo + hi) / 2))
    return RF(tuple(size), in_rfs[0].jump, tuple(start))


def merged_rf(a: MergeArgs, in_rfs: list[RF | None], broadcast: bool = False) -> RF | None:
    """The merge's field (module docstring); MisalignedInputs where ``align`` is asked.
    ``broadcast``: an input is broadcast over positions."""
    if any(rf is None for rf in in_rfs):
        return None
    misfit = _first_misfit(in_rfs)
    if misfit is not None and a.align:
        raise misfit
    if broadcast or len({rf.jump for rf in in_rfs}) > 1:
        return None
    if any(rf.phases is not None for rf in in_rfs):   # after a transposed conv: per unit, per phase
        return rf_union(in_rfs)
    if misfit is None:   # aligned: the largest field holds the others (fast path)
        size = tuple(max(rf.size[ax] for rf in in_rfs) for ax in (0, 1))
        return RF(size, in_rfs[0].jump, in_rfs[0].start)
    return union_rf(in_rfs)


def _broadcast(ins: list[Shape]) -> bool:
    """Some input is broadcast over positions: smaller than another along a spatial axis."""
    return len(ins[0]) == 3 and len({s[1:] for s in ins}) > 1


def merge_facts(in_rfs: list[RF | None], ins: list[Shape], out: Shape) -> dict:
    """``misaligned_px`` (largest offset between centres, input pixels, y and x) and
    ``rf_none`` (why there is no field), where they apply."""
    if len(out) != 3:
        return {}
    reason = _none_reason(in_rfs, ins, out)
    if reason:
        return {"rf_none": reason}
    if _first_misfit(in_rfs) is None:
        return {}
    return {"misaligned_px": [_pixels(max(rf.start[ax] for rf in in_rfs) -
                                      min(rf.start[ax] for rf in in_rfs)) for ax in (0, 1)]}


def broadcast_shape(ins: list[Shape]) -> Shape:
    """torch's broadcast of per-sample shapes of one rank: per axis all sizes equal or 1."""
    if len({len(s) for s in ins}) > 1:
        raise LayerProblem("inputs differ in rank: " + ", ".join(fmt_shape(s) for s in ins) +
                           "; torch would align the batch axis with a feature axis")
    out = []
    for ax in range(len(ins[0])):
        sizes = {s[ax] for s in ins} - {1}
        if len(sizes) > 1:
            what = ("channel mismatch between merged inputs" if ax == 0 and len(ins[0]) == 3
                    else "inputs differ in size")
            raise LayerProblem(f"{what}: " + ", ".join(fmt_shape(s) for s in ins))
        out.append(sizes.pop() if sizes else 1)
    return tuple(out)


class _Merge(Kind):
    arity = None
    merge = True
    Args = MergeArgs

    def rf(self, a: MergeArgs, in_rfs: list[RF | None]) -> RF | None:
        """The union of the inputs' fields; None where an input has none, is broadcast over
        positions, or the jumps differ (module docstring)."""
        return merged_rf(a, in_rfs)

    def rf_with_shapes(self, a: MergeArgs, ins: list[Shape], in_rfs: list[RF | None]) -> RF | None:
        return merged_rf(a, in_rfs, _broadcast(ins))

    def rf_calc(self, a: MergeArgs, in_rfs: list[RF | None], out_rf: RF | None) -> list[Calc]:
        """The union of the inputs' fields: the largest where centres align, else the span
        from the lowest field start to the highest field end."""
        if out_rf is None:
            return []
        if any(rf.phases is not None for rf in in_rfs):   # after a transposed conv: per phase
            return [phase_size_calc(out_rf, ax) for ax in (0, 1)]
        if _first_misfit(in_rfs) is None:
            return [Calc(r, r"\max_i r_i", r"\max(" + ", ".join(tex_number(rf.size[ax]) for rf in in_rfs) + ")")
                    for ax, r in enumerate(out_rf.size)]
        return [_span_calc(in_rfs, ax, r) for ax, r in enumerate(out_rf.size)]

    def extra(self, a: MergeArgs, ins: list[Shape], in_rfs: list[RF | None]) -> dict:
        return merge_facts(in_rfs, ins, self.shape(a, ins))

    def warning(self, a: MergeArgs, ins: list[Shape], in_rfs: list[RF | None]) -> LayerProblem | None:
        """Misaligned inputs, by how far apart their centres are (input pixels, y and x); none
        where an input is broadcast over positions (no unit-to-unit correspondence to align)."""
        if any(rf is None for rf in in_rfs) or _broadcast(ins):
            return None
        misfit = _first_misfit(in_rfs)
        if misfit is None:
            return None
        first, other = in_rfs[misfit.i], in_rfs[misfit.j]
        if first.jump != other.jump:
            return Misalignment(misfit.i, misfit.j, f"{misfit.detail}; no one field describes "
                                                    f"every output unit (RF none)")
        apart = ", ".join(str(_pixels(o - f)) for f, o in zip(first.start, other.start))
        return Misalignment(misfit.i, misfit.j, f"centres {apart} input pixels apart (y, x; "
                                                f"start {fmt_shape(first.start)} vs "
                                                f"{fmt_shape(other.start)}); the merged field is "
                                                f"the union of the inputs' fields")

    def _same_spatial(self, ins: list[Shape]) -> None:
        if any(len(s) != len(ins[0]) or s[1:] != ins[0][1:] for s in ins):
            raise LayerProblem("inputs differ in size: " + ", ".join(fmt_shape(s) for s in ins))


def _span_calc(in_rfs: list[RF], ax: int, r) -> Calc:
    """max_i (s_i + (r_i-1)/2) - min_i (s_i - (r_i-1)/2) + 1 with this layer's numbers."""
    def ends(sign: str) -> str:
        return ", ".join(rf"{tex_number(rf.start[ax])} {sign} \tfrac{{{tex_number(rf.size[ax])} - 1}}{{2}}"
                         for rf in in_rfs)
    return Calc(r, r"\max_i (s_i + \tfrac{r_i - 1}{2}) - \min_i (s_i - \tfrac{r_i - 1}{2}) + 1",
                rf"\max({ends('+')}) - \min({ends('-')}) + 1")


class _Elementwise(_Merge):
    flops_convention = "per_element"
    op_word = ""

    def shape(self, a: MergeArgs, ins: list[Shape]) -> Shape:
        return broadcast_shape(ins)

    def ops_per_element(self, a: MergeArgs, ins: list[Shape]) -> int:
        return len(ins) - 1

    def flops(self, a: MergeArgs, ins: list[Shape], out: Shape) -> Calc:
        n = numel(out)
        return Calc(n * self.ops_per_element(a, ins), r"(\text{inputs} - 1) \cdot \text{elements}",
                    rf"({len(ins)} - 1) \cdot {tex_number(n)}")


@register("add")
class Add(_Elementwise):
    """Elementwise sum of the inputs, broadcast as torch does (a size-1 axis repeats).

    FLOPs: (inputs − 1) adds per output element. Receptive field: the module docstring.
    """
    examples = [({}, [(3, 5, 5), (3, 5, 5)]), ({}, [(4, 2, 2), (4, 2, 2), (4, 2, 2)]),
                ({}, [(3, 4, 4), (3, 1, 1)]), ({"align": True}, [(2, 3, 3), (1, 3, 3)])]

    def scratch(self, a: MergeArgs, ins: list[Shape], out: Shape, itemsize: int) -> int:
        """AddModule sums pairwise: from three inputs on, a partial sum is live beside the next."""
        return numel(out) * itemsize if len(ins) > 2 else 0

    def build(self, a: MergeArgs, ins: list[Shape]) -> torch.nn.Module:
        from archlens.nn.modules import AddModule
        return AddModule()


@register("mul")
class Mul(_Elementwise):
    """Elementwise product, broadcast as torch does: squeeze-excitation's (C, 1, 1) scale times
    the (C, H, W) map (Hu et al. 2018, Eq. 4). FLOPs: (inputs − 1) multiplies per output element.
    Receptive field: the module docstring (none where the scale has no field).
    """
    examples = [({}, [(3, 4, 4), (3, 1, 1)]), ({}, [(2, 3, 3), (2, 3, 3)]),
                ({}, [(1, 3, 4), (4, 3, 4), (4, 3, 4)])]

    def saved(self, a: MergeArgs, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        """Each product keeps both factors: the inputs, and from three inputs on the partial
        products (MulModule multiplies pairwise)."""
        return [Saved("input", index=i) for i in range(len(ins))] + \
            [new(numel(out), "partial product") for _ in range(len(ins) - 2)]

    def scratch(self, a: MergeArgs, ins: list[Shape], out: Shape, itemsize: int) -> int:
        return numel(out) * itemsize if len(ins) > 2 else 0

    def build(self, a: MergeArgs, ins: list[Shape]) -> torch.nn.Module:
        from archlens.nn.modules import MulModule
        return MulModule()


@register("concat")
class Concat(_Merge):
    """Channel concatenation (``torch.cat`` on dim 1). No FLOPs (a copy)."""
    examples = [({}, [(3, 5, 5), (2, 5, 5)])]
    flops_convention = "none"

    def shape(self, a: MergeArgs, ins: list[Shape]) -> Shape:
        self._same_spatial(ins)
        return (sum(s[0] for s in ins), *ins[0][1:])

    def shape_calc(self, a: MergeArgs, ins: list[Shape], out: Shape) -> list[Calc]:
        c = Calc(out[0], r"\sum_i C_i", " + ".join(str(s[0]) for s in ins))
        return [c] + [Calc(v, f"{n}_{{in}}", str(v)) for n, v in zip("HW", out[1:])]

    def build(self, a: MergeArgs, ins: list[Shape]) -> torch.nn.Module:
        from archlens.nn.modules import ConcatModule
        return ConcatModule()

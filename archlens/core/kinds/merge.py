"""Merges of several inputs: elementwise add (FCN skip fusion) and channel concat."""
from __future__ import annotations

from typing import TYPE_CHECKING

from archlens.errors import LayerProblem
from archlens.core.geometry import RF, Calc, Shape, fmt_shape, numel, tex_number
from archlens.core.kinds.args import NoArgs
from archlens.core.kinds.registry import Kind, register

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


def aligned_rf(in_rfs: list[RF | None]) -> RF | None:
    """Merged inputs must share jump and centres; the merged field encloses all of them."""
    if any(rf is None for rf in in_rfs):
        return None
    first = in_rfs[0]
    for j, rf in enumerate(in_rfs[1:], start=1):
        if rf.jump != first.jump:
            raise MisalignedInputs(0, j, f"jumps differ ({fmt_shape(first.jump)} vs {fmt_shape(rf.jump)})")
        if rf.start != first.start:
            raise MisalignedInputs(0, j, f"centres do not align (start {fmt_shape(first.start)} vs "
                                         f"{fmt_shape(rf.start)}); crop one to the other first")
    size = tuple(max(rf.size[ax] for rf in in_rfs) for ax in (0, 1))
    return type(first)(size, first.jump, first.start)


class _Merge(Kind):
    arity = None
    merge = True

    def rf(self, a: NoArgs, in_rfs: list[RF | None]) -> RF | None:
        return aligned_rf(in_rfs)

    def rf_calc(self, a: NoArgs, in_rfs: list[RF | None], out_rf: RF | None) -> list[Calc]:
        """The merged field encloses every input's: max over inputs, per axis."""
        if out_rf is None:
            return []
        return [Calc(r, r"\max_i r_i", r"\max(" + ", ".join(tex_number(rf.size[ax]) for rf in in_rfs) + ")")
                for ax, r in enumerate(out_rf.size)]

    def _same_spatial(self, ins: list[Shape]) -> None:
        if any(len(s) != len(ins[0]) or s[1:] != ins[0][1:] for s in ins):
            raise LayerProblem("inputs differ in size: " + ", ".join(fmt_shape(s) for s in ins))


@register("add")
class Add(_Merge):
    """Elementwise sum of inputs of one shape. FLOPs: (inputs − 1) adds per element."""
    examples = [({}, [(3, 5, 5), (3, 5, 5)]), ({}, [(4, 2, 2), (4, 2, 2), (4, 2, 2)])]
    flops_convention = "per_element"

    def shape(self, a: NoArgs, ins: list[Shape]) -> Shape:
        if any(s[0] != ins[0][0] for s in ins):
            raise LayerProblem("channel mismatch between merged inputs: " +
                               ", ".join(fmt_shape(s) for s in ins))
        self._same_spatial(ins)
        return ins[0]

    def ops_per_element(self, a: NoArgs, ins: list[Shape]) -> int:
        return len(ins) - 1

    def flops(self, a: NoArgs, ins: list[Shape], out: Shape) -> Calc:
        n = numel(out)
        return Calc(n * self.ops_per_element(a, ins), r"(\text{inputs} - 1) \cdot \text{elements}",
                    rf"({len(ins)} - 1) \cdot {tex_number(n)}")

    def scratch(self, a: NoArgs, ins: list[Shape], out: Shape, itemsize: int) -> int:
        """AddModule sums pairwise: from three inputs on, a partial sum is live beside the next."""
        return numel(out) * itemsize if len(ins) > 2 else 0

    def build(self, a: NoArgs, ins: list[Shape]) -> torch.nn.Module:
        from archlens.nn.modules import AddModule
        return AddModule()


@register("concat")
class Concat(_Merge):
    """Channel concatenation (``torch.cat`` on dim 1). No FLOPs (a copy)."""
    examples = [({}, [(3, 5, 5), (2, 5, 5)])]
    flops_convention = "none"

    def shape(self, a: NoArgs, ins: list[Shape]) -> Shape:
        self._same_spatial(ins)
        return (sum(s[0] for s in ins), *ins[0][1:])

    def shape_calc(self, a: NoArgs, ins: list[Shape], out: Shape) -> list[Calc]:
        c = Calc(out[0], r"\sum_i C_i", " + ".join(str(s[0]) for s in ins))
        return [c] + [Calc(v, f"{n}_{{in}}", str(v)) for n, v in zip("HW", out[1:])]

    def build(self, a: NoArgs, ins: list[Shape]) -> torch.nn.Module:
        from archlens.nn.modules import ConcatModule
        return ConcatModule()

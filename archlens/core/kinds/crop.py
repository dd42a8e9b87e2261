"""Crop one input to another's spatial size (Caffe's Crop layer, as FCN uses it).

The offset is never typed in: as in FCN's ``coord_map.crop`` it is derived from the two
inputs' receptive-field geometry, so that unit ``offset`` of the cropped input sits exactly
on unit 0 of the reference: offset = (start_reference − start_input) / jump, per axis. It
must be a non-negative integer; both inputs must share the jump (Caffe: "scale mismatch").
"""
from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from archlens.errors import LayerProblem
from archlens.core.geometry import RF, Calc, Shape, require_spatial, shifted, tex_number
from archlens.core.kinds.merge import MisalignedInputs
from archlens.core.kinds.args import NoArgs
from archlens.core.kinds.own_mistakes import CROP
from archlens.core.kinds.registry import Kind, register

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch


def _axes(pair: tuple) -> str:
    """(y, x) as text: '(5, 5)', '(1/4, 1/4)'."""
    return "(" + ", ".join(str(v) for v in pair) + ")"


def crop_offset(rf_in: RF | None, rf_ref: RF | None) -> tuple[int, int]:
    """Offset (y, x) aligning ``rf_in`` to ``rf_ref``; MisalignedInputs(0, 1) if impossible."""
    if rf_in is None or rf_ref is None:
        raise MisalignedInputs(0, 1, "no receptive field to derive the offset from "
                                     "(spatial correspondence ended upstream)", "crop")
    if rf_in.jump != rf_ref.jump:
        raise MisalignedInputs(0, 1, f"jumps differ ({_axes(rf_in.jump)} vs {_axes(rf_ref.jump)})",
                               "crop")
    offset = [Fraction(r - i) / Fraction(j) for i, r, j in zip(rf_in.start, rf_ref.start, rf_in.jump)]
    if any(o.denominator != 1 or o < 0 for o in offset):
        raise MisalignedInputs(0, 1, f"derived offset (y, x) = {_axes(offset)} is not a "
                                     f"non-negative integer (starts {_axes(rf_in.start)} vs "
                                     f"{_axes(rf_ref.start)}, jump {_axes(rf_in.jump)})",
                               "crop")
    return tuple(int(o) for o in offset)


def offset_calc(o: int, s_in, s_ref, j) -> Calc:
    """One axis of the offset as a ``Calc``: (start of the reference − start of the input) / jump."""
    return Calc(o, r"\frac{\mathrm{start}_{ref} - \mathrm{start}_{in}}{j}",
                rf"\frac{{{tex_number(s_ref)} - ({tex_number(s_in)})}}{{{tex_number(j)}}}")


@register("crop")
class Crop(Kind):
    """Crop input 1 to the spatial size of input 2 (the reference), at a derived offset.

    inputs: [to_crop, reference]; the reference may be ``input``, the network input.
    No parameters, MACs or FLOPs (a view). RF: the cropped input's field, re-indexed so that
    its start is the reference's (unit 0 is the old unit ``offset``, phases turned with it). Profile fact: ``offset`` [y, x].
    """
    examples = [({}, [(3, 6, 7), (2, 6, 7)])]
    arity = 2
    flops_convention = "none"
    reference_input = True
    view = True   # a slice of its input: it keeps the whole uncropped storage alive
    own_mistakes = CROP

    def shape(self, a: NoArgs, ins: list[Shape]) -> Shape:
        c, h, w = require_spatial(ins[0], "crop")
        _, rh, rw = require_spatial(ins[1], "crop reference")
        if rh > h or rw > w:
            raise LayerProblem(f"the reference {rh}x{rw} is larger than the input to crop {h}x{w}; "
                               f"a crop can only shrink (inputs: [to_crop, reference])")
        return (c, rh, rw)

    def shape_calc(self, a: NoArgs, ins: list[Shape], out: Shape) -> list[Calc]:
        """Channels of the cropped input, height and width of the reference."""
        return [Calc(out[0], r"C_{in}", str(out[0])), Calc(out[1], r"H_{ref}", str(out[1])),
                Calc(out[2], r"W_{ref}", str(out[2]))]

    def worked_facts(self, a: NoArgs, ins: list[Shape], in_rfs: list[RF | None]) -> list[tuple[str, Calc]]:
        """The offset per axis, o = (start_ref − start_in) / j, from the two inputs' fields."""
        if None in in_rfs:
            return []
        offset = crop_offset(*in_rfs)
        return [(rf"\mathrm{{offset}}_{ax}", offset_calc(o, s_in, s_ref, j))
                for ax, o, s_in, s_ref, j in zip("yx", offset, in_rfs[0].start, in_rfs[1].start,
                                                 in_rfs[0].jump)]

    def rf(self, a: NoArgs, in_rfs: list[RF | None]) -> RF | None:
        """The cropped input's field, r and j unchanged; the start moves by offset·j."""
        rf_in, rf_ref = in_rfs
        return shifted(rf_in, crop_offset(rf_in, rf_ref))

    def rf_calc(self, a: NoArgs, in_rfs: list[RF | None], out_rf: RF | None) -> list[Calc]:
        """Each output unit is a unit of the cropped input: its field, r = r_in."""
        if out_rf is None:
            return []
        return [Calc(r, r"r_{in}\ \text{(of the cropped input)}", tex_number(r))
                for r in in_rfs[0].size]

    def extra(self, a: NoArgs, ins: list[Shape], in_rfs: list[RF | None]) -> dict:
        offset = crop_offset(*in_rfs)
        for o, n, m, axis in zip(offset, ins[0][1:], ins[1][1:], ("rows", "columns")):
            if o + m > n:
                raise LayerProblem(f"the derived offset {_axes(offset)} plus the reference's "
                                   f"{m} {axis} exceeds the input's {n} {axis}")
        return {"offset": list(offset)}

    def build_in_context(self, a: NoArgs, ins: list[Shape], facts: dict) -> torch.nn.Module:
        from archlens.nn.fcn import CropModule
        return CropModule(tuple(facts["offset"]))

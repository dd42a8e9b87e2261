"""Shapes, receptive fields, worked calculations, and the one-axis formulas.

Pure arithmetic: no torch. Shapes exclude the batch axis: ``(C, H, W)`` for feature maps,
``(F,)`` for flat vectors. Receptive fields are tracked per spatial axis as exact fractions
(a transposed convolution divides the jump).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from archlens.core.records import fast_init
from archlens.core import phases as phase_rules
from archlens.errors import LayerProblem

Shape = tuple  # tuple[int, ...]: (C, H, W) or (F,); batch axis excluded
Pair = tuple  # tuple[int, int]: (height, width) of a kernel, stride, padding, ...


@fast_init   # built per layer (records.py)
@dataclass(frozen=True)
class Calc:
    """A counted quantity with its symbolic formula and its working, numbers substituted.

    Worksheets print ``formula`` and ``working`` beside ``value``, so the explanation can
    never drift from the number in the table.
    """
    value: int
    formula: str = ""  # symbolic, LaTeX, e.g. r"k_h k_w C_{in} C_{out}"
    working: str = ""  # the same with this layer's numbers, e.g. r"3 \cdot 3 \cdot 3 \cdot 64"

    def __add__(self, other: "Calc") -> "Calc":
        return Calc(self.value + other.value, _join(self.formula, other.formula),
                    _join(self.working, other.working))


def _join(a: str, b: str) -> str:
    return " + ".join(p for p in (a, b) if p)


ZERO = Calc(0, "0", "0")


def product(names: list[str], values: list[int]) -> Calc:
    """``Calc`` of a product, formula from symbol names, working from the numbers."""
    return Calc(math.prod(values), r" \cdot ".join(names), r" \cdot ".join(map(tex_number, values)))


@fast_init   # built per layer (records.py)
@dataclass(frozen=True)
class Params:
    """Learnable parameters of one layer, weights and bias reported apart."""
    weight: Calc = ZERO
    bias: Calc = ZERO

    @property
    def total(self) -> int:
        return self.weight.value + self.bias.value


NO_PARAMS = Params()   # records are immutable: every parameter-free layer shares this one


@fast_init   # built per layer (records.py)
@dataclass(frozen=True)
class RF:
    """Receptive field of the output units, per spatial axis (h, w).

    size:   the largest number of input pixels that reach one output unit (r), per axis;
    jump:   input-pixel distance between adjacent output units (effective stride j);
    start:  input coordinate of the nominal centre of output unit 0 (s); pixel centres are
            0, 1, ... (the alignment that crops derive their offsets from);
    phases: None where every unit's field is ``size`` wide and centred on the unit (convs and
            pools); else per axis a ``phases.Phases`` tuple, or None for that axis: after a
            transposed conv or an upsampling a unit's field depends on its phase (index mod P),
            ``size`` is the largest of them (archlens.core.phases).
    """
    size: tuple[Fraction, Fraction]
    jump: tuple[Fraction, Fraction]
    start: tuple[Fraction, Fraction]
    phases: tuple | None = None

    @staticmethod
    def identity() -> "RF":
        # plain ints where values are whole (fast); Fractions appear only where they must
        return RF((1, 1), (1, 1), (0, 0))

    def centre(self, index: Pair) -> tuple[Fraction, Fraction]:
        """Input coordinate of the nominal centre of output unit ``index`` = (i, j)."""
        return tuple(s + i * j for s, i, j in zip(self.start, index, self.jump))

    def axis_phases(self, ax: int) -> tuple:
        """The field of axis ``ax`` (0: h, 1: w) per phase, uniform ones as one phase."""
        found = self.phases[ax] if self.phases is not None else None
        return found if found is not None else phase_rules.uniform(self.size[ax])

    def period(self, ax: int) -> int:
        """Number of phases along axis ``ax``: 1 where every unit's field has one size and place."""
        return len(self.axis_phases(ax))

    def size_range(self, ax: int) -> tuple:
        """(smallest, largest) field size over the phases of axis ``ax``."""
        return phase_rules.size_range(self.axis_phases(ax))

    def extent(self, index: Pair):
        """Per axis (lo, hi), the input pixels reaching unit ``index`` (an infinite input),
        or None where that unit reads no input at all."""
        out = []
        for ax, (c, i) in enumerate(zip(self.centre(index), index)):
            e = self.axis_phases(ax)[i % self.period(ax)]
            if e is None:
                return None
            out.append((phase_rules.whole(c + e[0]), phase_rules.whole(c + e[1])))
        return tuple(out)


def rf_from_phases(jump: tuple, start: tuple, axes: tuple) -> RF | None:
    """The RF of per-axis phases (archlens.core.phases); None where some axis reads nothing."""
    if any(all(e is None for e in ph) for ph in axes):
        return None
    size = tuple(phase_rules.size_range(ph)[1] for ph in axes)
    plain = tuple(None if phase_rules.is_uniform(ph) else ph for ph in axes)
    return RF(size, jump, start, None if plain == (None, None) else plain)


def shifted(rf: RF, offset: Pair) -> RF:
    """The field re-indexed so that unit 0 is the old unit ``offset`` (y, x): a crop at that
    offset, or a pad of −offset. Start moves by offset·jump; phases turn with the units."""
    start = tuple(s + o * j for s, o, j in zip(rf.start, offset, rf.jump))
    if rf.phases is None:
        return RF(rf.size, rf.jump, start)
    return rf_from_phases(rf.jump, start, tuple(phase_rules.rotate(rf.axis_phases(ax), offset[ax])
                                                for ax in (0, 1)))


def rf_union(rfs: list[RF]) -> RF:
    """Per unit, the hull of several fields on one grid (equal jumps), centred as the first.

    Merged fields (add, concat): a unit reads every input's unit at its index. Uniform, aligned
    inputs give max_i r_i; where the starts differ, the hull is off-centre (phases).
    """
    first = rfs[0]
    if all(rf.phases is None and rf.start == first.start for rf in rfs):
        return RF(tuple(max(rf.size[ax] for rf in rfs) for ax in (0, 1)), first.jump, first.start)
    return rf_from_phases(first.jump, first.start, tuple(
        phase_rules.union([(rf.start[ax] - first.start[ax], rf.axis_phases(ax)) for rf in rfs])
        for ax in (0, 1)))


def as_pair(value) -> Pair:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def conv_length(n: int, k: int, s: int, p: int, d: int = 1, ceil: bool = False) -> int:
    """Output length of a convolution or pooling window along one axis (PyTorch's rule).

    floor((n + 2p - d(k-1) - 1) / s) + 1; with ceil mode the division rounds up, but (as in
    PyTorch and Caffe) the last window must start inside the input or the left padding.
    """
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out


def deconv_length(n: int, k: int, s: int, p: int, d: int = 1, op: int = 0) -> int:
    """Output length of a transposed convolution: (n-1)s - 2p + d(k-1) + op + 1."""
    return (n - 1) * s - 2 * p + d * (k - 1) + op + 1


def rf_step(rf: RF, k: Pair, s: Pair, p: Pair, d: Pair = (1, 1)) -> RF:
    """Receptive field after a conv/pool window (google-research receptive_field rules).

    r' = r + (k-1)·d·j;  j' = j·s;  start' = start + ((k-1)·d/2 - p)·j. After a transposed
    conv (phases), each output phase is the hull of the units its window reads, exactly.
    """
    (jh, jw), (sh, sw) = rf.jump, rf.start   # the two axes written out: called per layer
    (kh, kw), (dh, dw), (ph, pw) = k, d, p
    jump = (jh * s[0], jw * s[1])
    start = (sh + (_half((kh - 1) * dh) - ph) * jh, sw + (_half((kw - 1) * dw) - pw) * jw)
    if rf.phases is not None:
        return rf_from_phases(jump, start, tuple(
            phase_rules.window(rf.jump[ax], rf.axis_phases(ax), k[ax], s[ax], p[ax], d[ax])
            for ax in (0, 1)))
    rh, rw = rf.size
    return RF((rh + (kh - 1) * dh * jh, rw + (kw - 1) * dw * jw), jump, start)


def _half(n: int):
    """n/2 exactly: a plain int when even (fast), a Fraction when odd."""
    return n // 2 if n % 2 == 0 else Fraction(n, 2)


def require_spatial(in_shape: Shape, what: str) -> tuple[int, int, int]:
    """Check a (C, H, W) input; a flat input here is a spec error, not a crash."""
    if len(in_shape) != 3:
        raise LayerProblem(f"{what} needs a (C, H, W) feature map, got shape {fmt_shape(in_shape)}")
    return in_shape


def numel(shape: Shape) -> int:
    """Number of elements of a shape (batch axis excluded): C·H·W or F."""
    return math.prod(shape)


def fmt_shape(shape) -> str:
    """A shape (or any sequence of sizes) as text: (3, 224, 224) -> '3x224x224'. The one
    writer of this form; ``archlens.render.units.shape`` is this function."""
    return "x".join(str(v) for v in shape)


def tex_number(v) -> str:
    """A number for LaTeX working: 25088 -> 25{,}088; whole Fractions as integers."""
    if type(v) is int:   # nearly every call (a layer's products); Fraction() costs 5x this
        return str(v) if -1000 < v < 1000 else f"{v:,}".replace(",", "{,}")
    v = Fraction(v)
    if v.denominator != 1:
        return rf"\tfrac{{{v.numerator}}}{{{v.denominator}}}"
    return f"{v.numerator:,}".replace(",", "{,}")


def conv_length_calc(axis: str, n: int, k: int, s: int, p: int, d: int = 1,
                     ceil: bool = False) -> Calc:
    """``conv_length`` as a ``Calc``: the value IS conv_length's, formula and working beside it.

    axis is ``"H"`` or ``"W"``; the rounding bracket is floor, or ceil in ceil mode. The dilation
    term is shown only where d != 1, so VGG's layers read (H_in + 2p - k)/s + 1.
    """
    lo, hi = (r"\left\lceil", r"\right\rceil") if ceil else (r"\left\lfloor", r"\right\rfloor")
    taps, taps_n = ("k", f"{k}") if d == 1 else (r"d(k-1) - 1", f"{d}({k}-1) - 1")
    formula = rf"{lo} \frac{{{axis}_{{in}} + 2p - {taps}}}{{s}} {hi} + 1"
    working = rf"{lo} \frac{{{tex_number(n)} + 2 \cdot {p} - {taps_n}}}{{{s}}} {hi} + 1"
    value = conv_length(n, k, s, p, d, ceil)
    if ceil and value != -(-(n + 2 * p - d * (k - 1) - 1) // s) + 1:
        working += r" - 1 \;\text{(last window would start in the padding)}"
    return Calc(value, formula, working)


def deconv_length_calc(axis: str, n: int, k: int, s: int, p: int, d: int = 1, op: int = 0) -> Calc:
    """``deconv_length`` as a ``Calc``; the dilation and output-padding terms only where used."""
    taps, taps_n = ("k", f"{k}") if d == 1 else (r"d(k-1) + 1", f"{d}({k}-1) + 1")
    out_pad, out_pad_n = (r" + p_{out}", f" + {op}") if op else ("", "")
    formula = rf"({axis}_{{in}} - 1) \cdot s - 2p + {taps}{out_pad}"
    working = rf"({tex_number(n)} - 1) \cdot {s} - 2 \cdot {p} + {taps_n}{out_pad_n}"
    return Calc(deconv_length(n, k, s, p, d, op), formula, working)


def rf_step_calc(r, k: int, d: int, j) -> Calc:
    """One axis of ``rf_step``'s size rule, r' = r + (k-1)·d·j, as a ``Calc``."""
    dil = "" if d == 1 else r" \cdot d"
    dil_n = "" if d == 1 else rf" \cdot {d}"
    return Calc(r + (k - 1) * d * j, rf"r + (k - 1){dil} \cdot j",
                rf"{tex_number(r)} + ({k} - 1){dil_n} \cdot {tex_number(j)}")


def window_rf_calcs(in_rf: RF | None, k: Pair, d: Pair = (1, 1), out_rf: RF | None = None) -> list[Calc]:
    """``rf_step_calc`` for both axes (h, w) of a conv/pool window; [] without a field.
    After a transposed conv (an input with phases): the largest field over the output's phases."""
    if in_rf is None:
        return []
    if in_rf.phases is not None:
        return [] if out_rf is None else [phase_size_calc(out_rf, ax) for ax in (0, 1)]
    return [rf_step_calc(r, kk, dd, j) for r, kk, dd, j in zip(in_rf.size, k, d, in_rf.jump)]


def phase_size_calc(rf: RF, ax: int) -> Calc:
    """An axis's size as the largest field over its phases, \\max_q r_q, each size once."""
    found = sorted({v for v in phase_rules.sizes(rf.axis_phases(ax)) if v is not None}, reverse=True)
    return Calc(rf.size[ax], r"\max_q r_q", r"\max(" + ", ".join(tex_number(v) for v in found) + ")")


def window_shape_calcs(channels: Calc, hw: Pair, k: Pair, s: Pair, p: Pair, d: Pair = (1, 1),
                       ceil: bool = False) -> list[Calc]:
    """(C, H, W) of a conv/pool output as ``Calc``s, the spatial axes by ``conv_length_calc``."""
    return [channels] + [conv_length_calc(ax, n, kk, ss, pp, dd, ceil)
                         for ax, n, kk, ss, pp, dd in zip("HW", hw, k, s, p, d)]

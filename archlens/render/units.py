"""Number formatting: thousands separators, byte units, exact fractions, shapes."""
from __future__ import annotations

from fractions import Fraction

from archlens.core.geometry import fmt_shape


def count(n: int) -> str:
    """12345678 -> '12,345,678'."""
    return f"{n:,}"


def si(n: float) -> str:
    """Short human form: 15470264320 -> '15.47 G'."""
    for unit, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(n) >= scale:
            return f"{n / scale:.2f} {unit}"
    return f"{n:g}"


def mib(nbytes: int) -> str:
    return f"{nbytes / 2**20:,.2f}"


def number(value: Fraction) -> int | float:
    """A Fraction as a JSON number: an int when whole, else a float."""
    if isinstance(value, int):  # most receptive-field entries; Fraction() would copy them
        return value
    value = Fraction(value)
    if value.denominator == 1:
        return value.numerator
    try:
        return float(value)
    except OverflowError:   # a field start past 10**308 (strides multiply): a float would be whole
        return round(value)


def frac(value: Fraction, style: str | None = None) -> str:
    """Exact text: 32, then for a non-integer 15.5 (style "decimal") or 31/2 (style "fraction").

    Without a style: a decimal where it is short and exact, else p/q. Tables pass one style for
    all their numbers (``frac_style``), so a column never mixes 0.5 with 1/3.
    """
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    if (style or ("decimal" if _short_decimal(value) else "fraction")) == "fraction":
        return str(value)
    return f"{float(value):g}"


def _short_decimal(value: Fraction) -> bool:
    try:
        as_float = float(value)
    except OverflowError:   # past float's range (strides multiply down a deep net): p/q
        return False
    return Fraction(as_float) == value and len(f"{as_float:g}") < 9


def frac_style(values) -> str:
    """"decimal" if every non-integer among ``values`` is a short exact decimal, else "fraction"."""
    for v in values:
        if not isinstance(v, int) and Fraction(v).denominator != 1 and not _short_decimal(Fraction(v)):
            return "fraction"
    return "decimal"


def axes(pair, style: str | None = None) -> str:
    """An (h, w) pair as '212' when square, else '212x180'; both axes in one style."""
    style = style or frac_style(pair)
    a, b = (frac(v, style) for v in pair)
    return a if a == b else f"{a}x{b}"


def field(rf, style: str | None = None) -> str:
    """A receptive field's size: '212', or '436-468' where it differs by phase (smallest-largest
    over the phases), per axis as ``axes`` ('436-468x212')."""
    parts = []
    for ax in (0, 1):
        lo, hi = rf.size_range(ax)
        parts.append(frac(hi, style) if lo == hi else f"{frac(lo, style)}-{frac(hi, style)}")
    return parts[0] if parts[0] == parts[1] else f"{parts[0]}x{parts[1]}"


def phases_note(rf) -> str:
    """'32 phases' (or '32x16 phases') where field sizes differ by output phase, else ''."""
    if rf is None or all(rf.size_range(ax)[0] == rf.size_range(ax)[1] for ax in (0, 1)):
        return ""
    periods = [rf.period(ax) for ax in (0, 1)]
    return f"RF by phase, {periods[0] if periods[0] == periods[1] else 'x'.join(map(str, periods))} phases"


shape = fmt_shape   # '3x224x224': one writer of shapes, in core (whose messages need it too)


def signed(n: int) -> str:
    """A difference with its sign: +1,000 or -32, and '0' for none."""
    return f"{n:+,}" if n else "0"


def mib_unit(nbytes: int) -> str:
    """Activation memory with its unit: '58.7 MiB', '12.0 KiB'."""
    if nbytes >= 2**20:
        return f"{nbytes / 2**20:,.1f} MiB"
    if nbytes >= 2**10:
        return f"{nbytes / 2**10:,.1f} KiB"
    return f"{nbytes} B"


def gib_unit(nbytes: int) -> str:
    """Memory too large for MiB: '22,351.7 GiB'."""
    return f"{nbytes / 2**30:,.1f} GiB"


def si_unit(n: float, unit: str) -> str:
    """15470264320, 'MAC' -> '15.47 GMAC'; 2, 'params' -> '2 params'."""
    text = si(n)
    return f"{text}{unit}" if text[-1].isalpha() else f"{text} {unit}"


def decimal(value: float, places: int = 3) -> str:
    """A measured metric (loss, accuracy) at fixed places: 0.031."""
    return f"{value:.{places}f}"


def seconds(value: float) -> str:
    return f"{value:.1f} s"

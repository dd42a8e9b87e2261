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


def frac(value: Fraction) -> str:
    """Exact text: 32, 15.5, or 1/3 when not a short decimal."""
    value = Fraction(value)
    if value.denominator == 1:
        return str(value.numerator)
    try:
        as_float = float(value)
    except OverflowError:   # past float's range (strides multiply down a deep net): p/q
        return str(value)
    return f"{as_float:g}" if Fraction(as_float) == value and len(f"{as_float:g}") < 9 else str(value)


def axes(pair) -> str:
    """An (h, w) pair as '212' when square, else '212x180'."""
    a, b = (frac(v) for v in pair)
    return a if a == b else f"{a}x{b}"


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

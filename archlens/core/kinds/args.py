"""Typed argument records for layer kinds, and their validation at the spec boundary.

A kind declares its arguments as a frozen dataclass whose annotations are ``Annotated``
types carrying a parser, e.g. ``kernel_size: PosPair``. ``parse_args`` checks a YAML mapping
against that record: unknown names (with the closest suggestion), missing required
arguments, wrong types and out-of-range values all raise ``LayerProblem`` with one line.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import typing
from typing import Annotated, Any

from archlens.errors import LayerProblem, quoted

# Torch holds every size as a signed 64-bit integer, and rendering, width scaling and the
# memory estimate take sizes as machine numbers: a larger one could never be built, and past
# about 10**308 even its float would overflow. YAML integers have no bound of their own.
MAX_INT = 2**63 - 1
MAX_INT_TEXT = "2**63 - 1 (torch's largest size)"


def describe(value: Any) -> str:
    """A value for a one-line message: strings quoted, long numbers and texts by their length."""
    if isinstance(value, str):
        return quoted(value)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        return f"a {len(str(abs(value))):,}-digit number"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(describe(v) for v in value) + "]"
    return repr(value)


def bound(value: Any) -> str:
    """' up to 2**63 - 1 (...)' when ``value``, or an entry of it, is an integer past that bound,
    else '': a message says so where it matters and stays short where it does not."""
    values = value if isinstance(value, (list, tuple)) else [value]
    too_large = any(isinstance(v, int) and abs(v) > MAX_INT for v in values)
    return f" up to {MAX_INT_TEXT}" if too_large else ""


def is_size(value: Any) -> bool:
    """A positive integer that torch can hold: an input dimension, a width, a count."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_INT


def _int(value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be an integer, got {describe(value)}")
    if value < minimum:
        kind = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"must be {kind}, got {describe(value)}")
    if value > MAX_INT:
        raise ValueError(f"must be at most {MAX_INT_TEXT}, got {describe(value)}")
    return value


def positive_int(value: Any) -> int:
    """An integer >= 1; a bool (an int in Python: ``true`` is 1) refused."""
    return _int(value, 1)


def _pair(value: Any, minimum: int) -> tuple[int, int]:
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ValueError(f"must be an integer or a pair [h, w], got {describe(list(value))}")
        return (_int(value[0], minimum), _int(value[1], minimum))
    try:
        v = _int(value, minimum)
    except ValueError as exc:
        if "integer" in str(exc):
            raise ValueError(f"must be an integer or a pair [h, w], got {describe(value)}") from None
        raise
    return (v, v)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"must be true or false, got {describe(value)}")
    return value


def finite_number(value: Any) -> float:
    """``value`` as a float; bools, NaN and infinities refused (YAML's ``.nan`` and ``.inf``
    compare false with every bound, so they would pass a range check and fail in training)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, got {describe(value)}")
    try:
        number = float(value)
    except OverflowError:   # an integer of hundreds of digits
        number = math.inf
    if not math.isfinite(number):
        raise ValueError(f"must be a finite number, got {describe(value)}")
    return number


def _float(value: Any, lo: float | None = None, hi: float | None = None) -> float:
    number = finite_number(value)
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        raise ValueError(f"must lie in [{lo}, {hi}], got {describe(value)}")
    return number


def _int_any(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"must be an integer, got {describe(value)}")
    if abs(value) > MAX_INT:
        raise ValueError(f"must be at most {MAX_INT_TEXT} either way, got {describe(value)}")
    return value


def choice(*options: str):
    """Parser for a string argument limited to ``options``."""
    def parse(value: Any) -> str:
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}; got {describe(value)}")
        return value
    parse.options = options   # for the spec-format reference page
    return parse


PosInt = Annotated[int, positive_int]
NonNegInt = Annotated[int, lambda v: _int(v, 0)]
Int = Annotated[int, _int_any]
PosPair = Annotated[tuple, lambda v: _pair(v, 1)]
NonNegPair = Annotated[tuple, lambda v: _pair(v, 0)]
Bool = Annotated[bool, _bool]
Float = Annotated[float, _float]
PosFloat = Annotated[float, lambda v: _float(v, 1e-12)]
Prob = Annotated[float, lambda v: _float(v, 0.0, 1.0)]
OptPosInt = Annotated[typing.Optional[int], lambda v: None if v is None else _int(v, 1)]
OptPosPair = Annotated[typing.Optional[tuple], lambda v: None if v is None else _pair(v, 1)]


@dataclasses.dataclass(frozen=True)
class NoArgs:
    """Record for kinds that take no arguments."""


@functools.cache  # type hints are resolved once per record, not once per layer
def _parsers(record: type) -> dict[str, Any]:
    hints = typing.get_type_hints(record, include_extras=True)
    return {f.name: hints[f.name].__metadata__[0] for f in dataclasses.fields(record)}


@functools.cache
def _required(record: type) -> list[str]:
    missing = dataclasses.MISSING
    return [f.name for f in dataclasses.fields(record)
            if f.default is missing and f.default_factory is missing]


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein (optimal string alignment): a swapped pair of letters costs 1."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def suggest(name: str, options) -> str:
    """'; did you mean 'x'?' for the closest option (typos, swapped letters), or ''."""
    options = [str(o) for o in options]
    if not options:
        return ""
    # ties go to an anagram (letters swapped, the commonest typo), then alphabetically
    best = min(options, key=lambda o: (edit_distance(name, o), sorted(o) != sorted(name), o))
    if edit_distance(name, best) <= max(1, len(name) // 3):
        return f"; did you mean '{best}'?"
    import difflib   # only for a message: not loaded by every command
    close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def parse_args(record: type, raw: dict) -> Any:
    """Validate ``raw`` (a YAML mapping) against ``record`` and return the typed record."""
    parsers = _parsers(record)
    for name in raw:
        if name not in parsers:
            known = ", ".join(parsers) or "none"
            hint = suggest(str(name), parsers)
            raise LayerProblem(f"unknown argument {quoted(name)}{hint}" if hint else
                               f"unknown argument {quoted(name)} (known: {known})")
    for name in _required(record):
        if name not in raw:
            raise LayerProblem(f"missing required argument '{name}'")
    values = {}
    for name, value in raw.items():
        try:
            values[name] = parsers[name](value)
        except ValueError as exc:
            raise LayerProblem(f"argument '{name}' {exc}") from None
    return record(**values)


def arg_names(record: type) -> list[str]:
    return [f.name for f in dataclasses.fields(record)]

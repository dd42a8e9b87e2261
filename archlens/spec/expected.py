"""The ``expected:`` section: the published numbers a spec transcribes, checked at load time.

Tests hold the profile to these numbers and spec pages say whether it matches them, so a
misspelt key (``parms:``) would silently check nothing. ``FIELDS`` is the one list of keys and
what each holds; the spec loader refuses anything else by name.
"""
from __future__ import annotations

from typing import Any, Callable

from archlens.errors import SpecError, quoted
from archlens.core.kinds.args import suggest


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _count(value: Any, where: str, layers: list[str]) -> None:
    if not _is_int(value) or value < 0:
        raise SpecError(f"{where} must be a non-negative integer, got {value!r}")


def _offsets(value: Any, where: str, layers: list[str]) -> None:
    for layer, offset in _per_layer(value, where, layers, "{crop layer: [y, x]}"):
        ok = isinstance(offset, list) and len(offset) == 2 and all(
            _is_int(v) and v >= 0 for v in offset)
        if not ok:
            raise SpecError(f"{where}.{layer} must be [y, x] of non-negative integers, "
                            f"got {offset!r}")


RF_KEYS = ("size", "jump")  # per layer, equal on both axes


def _rf(value: Any, where: str, layers: list[str]) -> None:
    for layer, rf in _per_layer(value, where, layers, "{layer: {size: r, jump: j}}"):
        if not isinstance(rf, dict) or "size" not in rf:
            raise SpecError(f"{where}.{layer} must be a mapping with 'size' (and optional 'jump'), "
                            f"got {rf!r}")
        _refuse_unknown(rf, RF_KEYS, f"{where}.{layer}: ")
        for key, number in rf.items():
            if isinstance(number, bool) or not isinstance(number, (int, float)) or number <= 0:
                raise SpecError(f"{where}.{layer}.{key} must be a positive number, got {number!r}")


def _refuse_unknown(mapping: dict, known, where: str) -> None:
    for key in mapping:
        if key not in known:
            raise SpecError(f"{where}unknown key {quoted(key)}{suggest(str(key), known)} "
                            f"(known: {', '.join(known)})")


def _per_layer(value: Any, where: str, layers: list[str], form: str):
    """The (layer, entry) pairs of a per-layer mapping; every key must name a layer."""
    if not isinstance(value, dict):
        raise SpecError(f"{where} must be a mapping {form}, got {value!r}")
    for layer in value:
        if layer not in layers:
            raise SpecError(f"{where}: '{layer}' names no layer{suggest(str(layer), layers)}")
    return value.items()


# key -> (checker, what it holds); tests/test_published_numbers.py and tests/test_fcn.py read them
FIELDS: dict[str, tuple[Callable[[Any, str, list[str]], None], str]] = {
    "params": (_count, "total parameters, weights + biases"),
    "trainable_params": (_count, "parameters not frozen"),
    "macs": (_count, "multiply-accumulates at the spec's input"),
    "offsets": (_offsets, "crop offsets [y, x] by crop layer"),
    "rf": (_rf, "receptive-field size (and jump) by layer"),
}


def check_expected(section: Any, layers: list[str]) -> dict:
    """``section`` as given, or {} when absent, once every key and value is one ``FIELDS`` allows."""
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise SpecError(f"expected must be a mapping of published numbers "
                        f"({', '.join(FIELDS)}), got {section!r}")
    _refuse_unknown(section, FIELDS, "expected: ")
    for key, value in section.items():
        FIELDS[key][0](value, f"expected.{key}", layers)
    return section

"""Exact receptive fields per output phase, one spatial axis at a time. Pure arithmetic.

After a transposed convolution (or an upsampling) of stride s, neighbouring output units read
different taps: a unit's field depends on its phase, its index mod s (Long, Shelhamer & Darrell,
CVPR 2015, Sec. 3.3: each output of a 64/32 deconvolution reads two inputs, never three). So per
axis a field is a tuple ``Phases`` of P extents, one per phase: (lo, hi), the input pixels that
reach unit q relative to its nominal centre start + q·jump, or None where that phase reads no
input at all (a dilated strided deconvolution leaves such phases). Unit i has the extent of
phase i mod P shifted by (i − i mod P)·jump; P·jump is a whole number of input pixels.

A layer maps the field per output phase: an output unit's extent is the hull of the extents of
the input units it reads (``gather``). These are the fields of units away from the border, on
an input large enough that no field is clipped (as the footprint check measures them).
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Callable, Iterable

Extent = tuple  # (lo, hi) offsets from the unit's nominal centre, input pixels; or None
Phases = tuple  # tuple[Extent | None, ...]: one per phase, period len(phases)


def uniform(size) -> Phases:
    """One phase, centred: every unit's field is ``size`` wide around its centre."""
    half = Fraction(size - 1) / 2
    return ((-half, half),)


def is_uniform(phases: Phases) -> bool:
    """One phase, centred on the unit: the plain (size, jump, start) field says it all."""
    return len(phases) == 1 and phases[0] is not None and phases[0][0] == -phases[0][1]


def normalize(phases: Phases) -> Phases:
    """The same field on its shortest period (a period divides len(phases))."""
    n = len(phases)
    for p in range(1, n):
        if n % p == 0 and all(phases[i] == phases[i % p] for i in range(p, n)):
            return phases[:p]
    return phases


def sizes(phases: Phases) -> list:
    """Field size of each phase, hi − lo + 1, or None for a phase that reads nothing."""
    return [None if e is None else whole(e[1] - e[0] + 1) for e in phases]


def size_range(phases: Phases) -> tuple:
    """(smallest, largest) size over the phases that read anything."""
    found = [s for s in sizes(phases) if s is not None]
    return min(found), max(found)


def whole(v):
    """A Fraction as an int where it is whole (plain ints keep the profile fast)."""
    return v.numerator if isinstance(v, Fraction) and v.denominator == 1 else v


Reads = Callable[[int], Iterable[tuple]]  # q -> (u, rel): input unit u, u − centre(q) in input units


def gather(jump, phases: Phases, period: int, reads: Reads) -> Phases:
    """Output phases 0..period−1, each the hull of the input units it reads.

    ``reads(q)`` yields (u, rel) for every input unit u that output unit q reads, rel being u's
    centre minus q's nominal centre in input units; ``period`` must be a period of the output
    (any multiple of the shortest: the result is normalized).
    """
    n = len(phases)
    out = []
    for q in range(period):
        lo = hi = None
        for u, rel in reads(q):
            e = phases[u % n]
            if e is None:
                continue
            a, b = rel * jump + e[0], rel * jump + e[1]
            lo = a if lo is None or a < lo else lo
            hi = b if hi is None or b > hi else hi
        out.append(None if lo is None else (lo, hi))
    return normalize(tuple(out))


def window(jump, phases: Phases, k: int, s: int, p: int, d: int) -> Phases:
    """A conv/pool window: output q reads inputs q·s − p + t·d, t < k; centre at (k−1)d/2."""
    half = Fraction((k - 1) * d, 2)
    return gather(jump, phases, len(phases),
                  lambda q: ((q * s - p + t * d, t * d - half) for t in range(k)))


def transposed(jump, phases: Phases, k: int, s: int, p: int, d: int) -> Phases:
    """A transposed conv: output o receives input u where o + p = s·u + t·d for a tap t < k.

    The nominal centre of o is (o + p − d(k−1)/2)/s (Caffe's coord_map), so input u sits at
    (d(k−1)/2 − t·d)/s input units from it.
    """
    half = Fraction((k - 1) * d, 2)

    def reads(q):
        return (((q + p - t * d) // s, (half - t * d) / s) for t in range(k) if (q + p - t * d) % s == 0)
    return gather(jump, phases, s * len(phases), reads)


def rotate(phases: Phases, offset: int) -> Phases:
    """Re-indexed so that unit 0 is the old unit ``offset`` (a crop, or a pad of −offset)."""
    n = len(phases)
    return tuple(phases[(q + offset) % n] for q in range(n))


def union(fields: list[tuple]) -> Phases:
    """Hull of several fields on one grid, per unit: [(delta, phases)], delta = the input's
    nominal centre minus the first input's, in pixels (equal jumps)."""
    period = math.lcm(*(len(ph) for _, ph in fields))
    out = []
    for q in range(period):
        found = [(delta + e[0], delta + e[1]) for delta, ph in fields
                 if (e := ph[q % len(ph)]) is not None]
        out.append((min(a for a, _ in found), max(b for _, b in found)) if found else None)
    return normalize(tuple(out))

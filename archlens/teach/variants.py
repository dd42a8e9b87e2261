"""Seeded worksheet variants: the same architecture at a random valid input size and random
channel widths, so each student gets their own sheet (``archlens worksheet SPEC --seed N``).

The draw is reproducible (``random.Random(seed)``): the teacher's key and the student's sheet
come from the same seed. Each spatial side is drawn from half to one and a half times the
spec's, each width (a kind's ``width_arg``, except sizes tied to ``num_classes``) from a quarter
to one and a half times the spec's, in multiples of 8 (and of every ``groups``); a draw that
the profile refuses (a map shrunk below one pixel, a merge of unequal widths) is drawn again.
"""
from __future__ import annotations

import dataclasses
import math
import random

from archlens.core.kinds import get_kind
from archlens.core.profile import ModelProfile, profile
from archlens.errors import ArchlensError
from archlens.spec.load import load_spec
from archlens.spec.model import LayerSpec, Spec

TRIES = 50
WIDTH_STEP = 8


def _width(layer: LayerSpec, rng: random.Random, unit: int) -> LayerSpec:
    arg = get_kind(layer.kind).width_arg
    if arg is None or not layer.width_scaled:
        return layer
    step = math.lcm(unit, WIDTH_STEP)
    old = getattr(layer.args, arg)
    value = max(step, round(old * rng.uniform(0.25, 1.5) / step) * step) if old >= step else old
    args = dataclasses.replace(layer.args, **{arg: value})
    if getattr(args, "in_channels", None) is not None:
        args = dataclasses.replace(args, in_channels=None)   # derived again from the new input
    return dataclasses.replace(layer, args=args, raw={**layer.raw, arg: value})


def _draw(spec: Spec, rng: random.Random, seed: int) -> Spec:
    c, *sides = spec.input
    new_input = (c, *(rng.randint(max(1, s // 2), max(1, s * 3 // 2)) for s in sides))
    unit = math.lcm(*(getattr(layer.args, "groups", 1) for layer in spec.layers))
    layers = tuple(_width(layer, rng, unit) for layer in spec.layers)
    # the sheet's name carries the seed, so its printed commands (archlens check NAME ...) and
    # the answers template reproduce this variant
    return dataclasses.replace(spec, input=new_input, layers=layers,
                               name=f"{spec.name} --seed {seed}",
                               title=f"{spec.title or spec.name} (variant, seed {seed})")


def seeded_profile(ref, seed: int) -> ModelProfile:
    """The profile of a seeded variant of ``ref`` (a bundled name, a path or a Spec)."""
    if seed < 0:
        raise ArchlensError(f"--seed: must be a non-negative integer, got {seed}")
    spec = ref if isinstance(ref, Spec) else load_spec(ref)
    rng = random.Random(seed)
    for _ in range(TRIES):
        try:
            return profile(_draw(spec, rng, seed))
        except ArchlensError:
            continue
    raise ArchlensError(f"--seed {seed}: no valid variant of {spec.name} in {TRIES} draws "
                        "(input sides 0.5-1.5x, widths 0.25-1.5x)")

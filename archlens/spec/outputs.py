"""The ``outputs:`` section: which layers the built model returns.

``outputs: [cls, box]`` names layers; the built model then returns their tensors as a tuple in
that order (``SpecModel.output_names`` says which is which). Left out, the outputs are every
layer that no other layer consumes, in spec order (``archlens.core.graph.output_names``): the
last layer of a chain (a single tensor, as before), both heads of a trunk with two heads.
Checked at load: a list of distinct layer names, each one of the spec's layers.
"""
from __future__ import annotations

from archlens.core.kinds.args import describe, suggest
from archlens.errors import SpecError, quoted


def parse_outputs(value, names: list[str]) -> tuple[str, ...]:
    """The declared outputs, checked against the layer ``names``; () where none is declared."""
    if value is None:
        return ()
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise SpecError(f"outputs must be a non-empty list of layer names, got {describe(value)}")
    for name in value:
        if name not in names:
            raise SpecError(f"outputs: {quoted(name)} names no layer{suggest(name, names)}")
    repeated = next((n for i, n in enumerate(value) if n in value[:i]), None)
    if repeated is not None:
        raise SpecError(f"outputs: {quoted(repeated)} is listed twice")
    return tuple(value)

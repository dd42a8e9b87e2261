"""An op that archlens has no kind for, imported as-is (``archlens import --allow-unknown``).

Its output shape is the one torch.fx traced and its parameters are the module's, counted by
torch; its MACs and FLOPs are unknown, never a silent zero (thop and torchinfo count such ops
as 0), so tables print "unknown" and totals "at least N". Receptive fields end at it ("none"):
nothing is known of which inputs an output reads. It cannot be built or run: no torch module
reproduces an op archlens does not know.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from archlens.errors import LayerProblem
from archlens.core.geometry import NO_PARAMS, RF, ZERO, Calc, Params, Shape, fmt_shape, tex_number
from archlens.core.kinds.args import NonNegInt, describe, is_size
from archlens.core.kinds.registry import Kind, register

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch


def _text(value) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be text, got {describe(value)}")
    return value


def _shape(value) -> tuple[int, ...]:
    if not isinstance(value, list) or not value or not all(is_size(v) for v in value):
        raise ValueError(f"must be a shape, a list of positive integers, got {describe(value)}")
    return tuple(value)


def _shapes(value) -> tuple[tuple[int, ...], ...]:
    if not isinstance(value, list) or not value:
        raise ValueError(f"must be a list of shapes, got {describe(value)}")
    return tuple(_shape(v) for v in value)


@dataclass(frozen=True)
class OpaqueArgs:
    op: Annotated[str, _text]                        # the torch op as traced, e.g. 'torch.roll'
    out_shape: Annotated[tuple, _shape]              # per sample, from the trace
    in_shapes: Annotated[tuple, _shapes]             # per sample, the inputs it was traced at
    params: NonNegInt = 0                            # sum(p.numel()) of the op's module
    reason: Annotated[str, _text] = ""               # why no kind took it


@register("opaque")
class Opaque(Kind):
    """A traced op with no kind. Shape and parameters from torch; MACs and FLOPs unknown."""
    Args = OpaqueArgs
    arity = 0                 # any number of inputs, as traced
    counted = False
    buildable = False
    flops_convention = "unknown"
    examples = [({"op": "torch.roll", "out_shape": [3, 5, 5], "in_shapes": [[3, 5, 5]]}, [(3, 5, 5)]),
                ({"op": "torch.nn.modules.pixelshuffle.PixelShuffle", "out_shape": [2, 8, 8],
                  "in_shapes": [[8, 4, 4]], "params": 0}, [(8, 4, 4)])]

    def shape(self, a: OpaqueArgs, ins: list[Shape]) -> Shape:
        if tuple(tuple(s) for s in ins) != a.in_shapes:
            raise LayerProblem(f"opaque op {a.op} was traced on inputs "
                               f"{', '.join(fmt_shape(s) for s in a.in_shapes)}, not "
                               f"{', '.join(fmt_shape(s) for s in ins)}: its shape is known only "
                               f"there; import the model again at this input size")
        return a.out_shape

    def params(self, a: OpaqueArgs, ins: list[Shape]) -> Params:
        if not a.params:
            return NO_PARAMS
        return Params(Calc(a.params, r"\text{counted by torch}", tex_number(a.params)), ZERO)

    def rf(self, a: OpaqueArgs, in_rfs: list[RF | None]) -> RF | None:
        """None: archlens does not know which inputs an unknown op reads."""
        return None

    def build(self, a: OpaqueArgs, ins: list[Shape]) -> torch.nn.Module:
        raise LayerProblem(f"opaque op {a.op} cannot be built: archlens has no kind for it"
                           + (f" ({a.reason})" if a.reason else ""))

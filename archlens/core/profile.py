"""Analytic per-layer profile: pure arithmetic over the spec, no torch.

Counting conventions (the same everywhere a number is printed):
- params: learnable parameters, weights and biases apart; trainable vs frozen by ``frozen:``.
- macs: multiply-accumulates of weighted layers (conv, linear, ...); others have none.
- flops: 2·MACs plus bias adds plus each other kind's elementwise work (see its docstring).
- activation_bytes: elements of the layer's output times the dtype size, batch 1, forward;
  their sum is not memory torch uses (views and in-place results count again): the inference
  peak, saved-for-backward and training figures are archlens.core.memory's.
- rf: receptive field per axis (size, jump, start), or None where spatial correspondence ends.
"""
from __future__ import annotations

import warnings

from dataclasses import dataclass, field
from functools import cached_property
from typing import Sequence

from archlens.core.records import fast_init
from archlens.errors import LayerProblem, ProfileWarning, SpecError
from archlens.core.gcpause import no_cycle_collection
from archlens.core.geometry import RF, Calc, Params, Shape, numel
from archlens.core.graph import Node, node_error, order, walk_shapes
from archlens.spec.model import INPUT, Spec, SpecRef
from archlens.spec.load import load_spec, scale_width, with_input

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}


@fast_init   # built per layer (records.py)
@dataclass(frozen=True)
class LayerProfile:
    name: str
    kind: str
    inputs: tuple[str, ...]
    in_shapes: tuple[Shape, ...]
    out_shape: Shape
    params: Params
    frozen: bool
    macs: Calc
    flops: Calc
    activation_bytes: int
    rf: RF | None
    extra: dict = field(default_factory=dict)  # kind-specific facts (a crop's offset, ...)
    counted: bool = True   # False: MACs and FLOPs unknown (an opaque op), never a silent 0

    @property
    def trainable_params(self) -> int:
        return 0 if self.frozen else self.params.total


@dataclass(frozen=True)
class Totals:
    params: int
    trainable_params: int
    macs: int
    flops: int
    activation_bytes: int  # sum of every layer's output, batch 1
    uncounted: tuple[str, ...] = ()  # layers whose MACs/FLOPs are unknown: macs/flops are lower bounds

    @property
    def frozen_params(self) -> int:
        return self.params - self.trainable_params


@dataclass(frozen=True)
class ModelProfile:
    spec: Spec
    input: Shape
    dtype: str
    layers: tuple[LayerProfile, ...]
    totals: Totals

    def layer(self, name: str) -> LayerProfile:
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, LayerProfile]:
        """Callers look up every layer by name; a scan each time would be quadratic."""
        return {lp.name: lp for lp in self.layers}


def profile(spec: SpecRef, input: Sequence[int] | None = None, dtype: str = "float32",
            width: float = 1.0) -> ModelProfile:
    """Profile ``spec`` (name, path or Spec) at ``input`` (C, H, W) or its native size."""
    if dtype not in DTYPE_BYTES:
        raise SpecError(f"unknown dtype '{dtype}' (known: {', '.join(DTYPE_BYTES)})")
    with no_cycle_collection():   # millions of acyclic objects on long specs (gcpause.py)
        spec = scale_width(with_input(load_spec(spec), input), width)
        nodes = order(spec)
        shapes = walk_shapes(spec, nodes)
        rfs: dict[str, RF | None] = {INPUT: RF.identity() if len(spec.input) == 3 else None}
        layers = tuple(_profile_node(spec, n, shapes, rfs, DTYPE_BYTES[dtype]) for n in nodes)
        return ModelProfile(spec, tuple(spec.input), dtype, layers, _totals(layers))


def _profile_node(spec: Spec, node: Node, shapes, rfs, itemsize: int) -> LayerProfile:
    a, ins, out = node.layer.args, [shapes[s] for s in node.inputs], shapes[node.name]
    in_rfs = [rfs[s] for s in node.inputs]
    try:
        rf = node.kind.rf_with_shapes(a, ins, in_rfs)
    except LayerProblem as exc:   # a MisalignedInputs names the inputs that disagree
        raise node_error(spec, node, exc, node.inputs) from None
    rfs[node.name] = rf
    extra = _extra(spec, node, ins, in_rfs)
    finding = node.kind.warning(a, ins, in_rfs)
    if finding is not None:   # the profile goes on; the CLI prints it on stderr
        warnings.warn(ProfileWarning(str(node_error(spec, node, finding, node.inputs))), stacklevel=2)
    params, macs, flops = node.kind.counts(a, ins, out)
    return LayerProfile(node.name, node.layer.kind, node.inputs, tuple(ins), out, params,
                        node.layer.frozen, macs, flops, numel(out) * itemsize, rf, extra,
                        node.kind.counted)


def _extra(spec: Spec, node: Node, ins, in_rfs) -> dict:
    try:
        return node.kind.extra(node.layer.args, ins, in_rfs)
    except LayerProblem as exc:
        raise node_error(spec, node, exc) from None



def _totals(layers) -> Totals:
    return Totals(params=sum(lp.params.total for lp in layers),
                  trainable_params=sum(lp.trainable_params for lp in layers),
                  macs=sum(lp.macs.value for lp in layers),
                  flops=sum(lp.flops.value for lp in layers),
                  activation_bytes=sum(lp.activation_bytes for lp in layers),
                  uncounted=tuple(lp.name for lp in layers if not lp.counted))

"""Build a runnable ``torch.nn.Module`` from a spec, walking the same graph as ``profile``.

Submodule names are the spec's layer names, so ``model.conv1_1`` is the spec's ``conv1_1``.
The model returns the spec's outputs (``outputs:``, else every layer nothing reads): one tensor
where there is one output (every chain), else a tuple of tensors in ``model.output_names`` order
(a trunk with a class head and a box head returns ``(cls, box)``).
"""
from __future__ import annotations

import os
from typing import Sequence

import torch
from torch import nn

from archlens.errors import SpecError
from archlens.core.geometry import numel
from archlens.core.graph import Node, order, output_names
from archlens.core.profile import DTYPE_BYTES, profile
from archlens.render import units
from archlens.spec.model import INPUT, Spec, SpecRef
from archlens.spec.load import load_spec, scale_width, with_input


class SpecModel(nn.Module):
    """A DAG of layers run in topological order; activations are freed after their last use.

    Returns the output tensor, or a tuple in ``output_names`` order where the spec has several.
    """

    def __init__(self, spec: Spec, nodes: list[Node], modules: dict[str, nn.Module]):
        super().__init__()
        self.spec_name = spec.name
        self.input_shape = tuple(spec.input)
        self._wiring = [(n.name, n.inputs) for n in nodes]
        self.output_names = output_names(spec, nodes)
        self._last_use = _last_uses(self._wiring)
        for name, module in modules.items():
            self.add_module(name, module)
        for node in nodes:
            if node.layer.frozen:
                for p in modules[node.name].parameters():
                    p.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor | tuple[torch.Tensor, ...]:
        acts = {INPUT: x}
        for step, (name, inputs) in enumerate(self._wiring):
            acts[name] = getattr(self, name)(*(acts[s] for s in inputs))
            for s in inputs:
                if self._last_use[s] == step and s not in self.output_names:
                    del acts[s]
        outs = tuple(acts[name] for name in self.output_names)
        return outs[0] if len(outs) == 1 else outs


def _last_uses(wiring) -> dict[str, int]:
    last: dict[str, int] = {}
    for step, (_, inputs) in enumerate(wiring):
        for s in inputs:
            last[s] = step
    return last


def build_model(spec: SpecRef, input: Sequence[int] | None = None, width: float = 1.0) -> SpecModel:
    """A ``torch.nn.Module`` for ``spec`` (name, path or Spec).

    ``input`` overrides the input size (derived sizes such as fc6's in_features follow) and
    ``width`` scales every layer's width (not the class count) for small CPU variants.
    """
    spec = scale_width(with_input(load_spec(spec), input), width)
    nodes = order(spec)
    prof = profile(spec)   # pure arithmetic: shapes, crop offsets, and what the model will take
    check_fits_in_memory(prof)
    layers = {lp.name: lp for lp in prof.layers}
    modules = {n.name: n.kind.build_in_context(n.layer.args, list(layers[n.name].in_shapes),
                                               layers[n.name].extra) for n in nodes}
    return SpecModel(spec, nodes, modules)


def check_fits_in_memory(prof) -> None:
    """Refuse, before torch allocates anything, a model whose float32 parameters, input and layer
    outputs (batch 1) exceed this machine's memory: torch would fail in the allocator with a
    traceback, or the kernel would kill the process part-way."""
    available = _machine_memory()
    params = prof.totals.params
    values = numel(prof.input) + sum(numel(lp.out_shape) for lp in prof.layers)
    needed = (params + values) * DTYPE_BYTES["float32"]
    if available is not None and needed > available:
        raise SpecError(f"the model needs about {units.gib_unit(needed)} to build and run once "
                        f"({params:,} parameters and {values:,} input and activation values, "
                        f"float32, batch 1), more than this machine's {units.gib_unit(available)} "
                        f"of memory", file=prof.spec.where)


def _machine_memory() -> int | None:
    """Physical memory in bytes, where the system says (None elsewhere: no check)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, OSError, ValueError):
        return None

"""Build a runnable ``torch.nn.Module`` from a spec, walking the same graph as ``profile``.

Submodule names are the spec's layer names, so ``model.conv1_1`` is the spec's ``conv1_1``.
"""
from __future__ import annotations

import torch
from torch import nn

from .graph import Node, order, output_name
from .profile import profile
from .spec import INPUT, Spec, load_spec, scale_width, with_input


class SpecModel(nn.Module):
    """A DAG of layers run in topological order; activations are freed after their last use."""

    def __init__(self, spec: Spec, nodes: list[Node], modules: dict[str, nn.Module]):
        super().__init__()
        self.spec_name = spec.name
        self.input_shape = tuple(spec.input)
        self._wiring = [(n.name, n.inputs) for n in nodes]
        self._output = output_name(nodes)
        self._last_use = _last_uses(self._wiring)
        for name, module in modules.items():
            self.add_module(name, module)
        for node in nodes:
            if node.layer.frozen:
                for p in modules[node.name].parameters():
                    p.requires_grad_(False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        acts = {INPUT: x}
        for step, (name, inputs) in enumerate(self._wiring):
            acts[name] = getattr(self, name)(*(acts[s] for s in inputs))
            for s in inputs:
                if self._last_use[s] == step and s != self._output:
                    del acts[s]
        return acts[self._output]


def _last_uses(wiring) -> dict[str, int]:
    last: dict[str, int] = {}
    for step, (_, inputs) in enumerate(wiring):
        for s in inputs:
            last[s] = step
    return last


def build_model(spec, input=None, width: float = 1.0) -> SpecModel:
    """A ``torch.nn.Module`` for ``spec`` (name, path or Spec).

    ``input`` overrides the input size (derived sizes such as fc6's in_features follow) and
    ``width`` scales every layer's width (not the class count) for small CPU variants.
    """
    spec = scale_width(with_input(load_spec(spec), input), width)
    nodes = order(spec)
    facts = {lp.name: lp for lp in profile(spec).layers}  # pure arithmetic: shapes, crop offsets
    modules = {n.name: n.kind.build_in_context(n.layer.args, list(facts[n.name].in_shapes),
                                               facts[n.name].extra) for n in nodes}
    return SpecModel(spec, nodes, modules)

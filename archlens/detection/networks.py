"""Runs a named slice of a spec's built network (a chain) and keeps chosen outputs.

R-CNN and SPPNet both cut the one per-region network of the spec into pieces at layer names
from ``detection:`` (shared_until, bbox_features, feature_layer); the pieces share the
modules, and so the weights, of one ``SpecModel``.
"""
from __future__ import annotations

import torch
from torch import nn


class Chain(nn.Module):
    """The layers ``names`` of ``model`` in order; returns the outputs named in ``keep``."""

    def __init__(self, model: nn.Module, names: list[str], keep: tuple[str, ...]):
        super().__init__()
        self.names, self.keep = list(names), tuple(keep)
        self.model = [model]  # a list: not registered twice as a submodule

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        out = {}
        for name in self.names:
            x = getattr(self.model[0], name)(x)
            if name in self.keep:
                out[name] = x
        return tuple(out[k] for k in self.keep)


def names_between(spec, first: int, last: str) -> list[str]:
    """Layer names from index ``first`` through the layer ``last``."""
    names = [layer.name for layer in spec.layers]
    return names[first: names.index(last) + 1]


def flat(t: torch.Tensor) -> torch.Tensor:
    return t.flatten(1)


def in_batches(fn, items: torch.Tensor, size: int):
    """``fn`` over ``items`` in chunks of ``size``; outputs concatenated per position."""
    parts = [fn(items[i: i + size]) for i in range(0, len(items), size)]
    return tuple(torch.cat(p) for p in zip(*parts))

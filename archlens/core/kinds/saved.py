"""What a layer's backward pass keeps: the record a kind's ``saved`` rule returns.

A kind lists the tensors autograd saves when its built module runs with gradients on
(``torch.autograd.graph.saved_tensors_hooks`` sees exactly these), parameters aside: a conv
keeps its input, a ReLU its output, a max pool its input and its int64 indices. ``input`` and
``output`` entries name existing storages (shared with other layers, counted once); ``new``
entries are tensors the op makes for backward only (indices, masks, statistics).
"""
from __future__ import annotations

from dataclasses import dataclass

INDEX_BYTES = 8   # torch's indices (max pooling) are int64 whatever the activation dtype


@dataclass(frozen=True)
class Saved:
    tensor: str                  # "input", "output" or "new"
    index: int = 0               # which input, for "input"
    numel: int = 0               # elements per sample, for "new"
    itemsize: int | None = None  # bytes per element of a "new" tensor; None: the activation dtype
    per_sample: bool = True      # False where the size does not grow with the batch (BN statistics)
    what: str = ""               # what it is, for notes: "indices", "mask", ...


INPUT = Saved("input")
OUTPUT = Saved("output")


def new(numel: int, what: str, itemsize: int | None = None, per_sample: bool = True) -> Saved:
    return Saved("new", numel=numel, itemsize=itemsize, per_sample=per_sample, what=what)

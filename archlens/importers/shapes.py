"""Every traced node's shape, from archlens's own kind rules wherever the table maps the node.

The graph runs once (a ``torch.fx.Interpreter``, batch ``BATCH``). A node the mapping table
turns into a kind gets its shape from that kind's ``shape`` rule (exact and held against torch
for every kind, tests/test_kinds.py) and an empty meta tensor of that shape as its value; torch
runs nothing for it. The rest run on meta tensors: ops with no kind (opaque ones), calls whose
mapping needs the traced result (``x.view(n, -1)``), and the values converters read
(``x.size(0)``, ``x.shape``), the nodes before any kind's. Why: torch's meta kernels are Python code whose first use imports
the symbolic-shapes machinery (sympy) and torch._dynamo, seconds per process (issue 15,
benchmarks/import_speed.py); the rules are microseconds.
"""
from __future__ import annotations

import contextlib

import torch
from torch import fx

from archlens.core.kinds import KINDS
from archlens.core.kinds.args import parse_args
from archlens.errors import LayerProblem, SpecError
from archlens.importers import table
from archlens.importers.ops import SHAPE, NoKind, Op, takes
from archlens.importers.trace import first_line, module_path, source_line

BATCH = 2    # traced batch size: 2 tells the batch axis from a size-1 axis in a view
_CALLS = ("call_module", "call_function", "call_method")


def propagate(gm: fx.GraphModule, input: tuple[int, ...], where: str) -> None:
    """``node.meta[SHAPE]`` on every node that yields a tensor: its shape, batch axis first."""
    run = _Shapes(gm)
    try:
        with _on_meta(gm):
            run.run(torch.empty(BATCH, *input, device="meta"))
    except Exception as exc:   # a shape error inside the user's model at this input
        node = getattr(run, "current", None)
        at = f" at '{module_path(node) or node.name}'" if node is not None else ""
        line = source_line(node) if node is not None else ""
        cause = exc.__cause__ or exc
        raise SpecError(f"the model fails on an input of {'x'.join(map(str, input))}{at}"
                        + (f" ({line})" if line else "") +
                        f": {type(cause).__name__}: {first_line(cause)}", file=where) from None


class _Shapes(fx.Interpreter):
    """Runs the graph, asking the kinds first; remembers the node it runs, for messages."""

    def run_node(self, n: fx.Node):
        self.current = n
        shape = kind_shape(n, self.module) if n.op in _CALLS else None
        if shape is not None:
            n.meta[SHAPE] = (BATCH, *shape)
            return torch.empty(BATCH, *shape, dtype=self._dtype(n), device="meta")
        result = super().run_node(n)
        if isinstance(result, torch.Tensor):
            n.meta[SHAPE] = tuple(result.shape)
        elif isinstance(result, (tuple, list)) and any(isinstance(r, torch.Tensor) for r in result):
            n.meta[SHAPE] = [tuple(r.shape) for r in result if isinstance(r, torch.Tensor)]
        return result

    def _dtype(self, n: fx.Node) -> torch.dtype:
        """Every kind gives its first input's dtype."""
        found = []
        fx.node.map_arg((n.args, n.kwargs), found.append)
        values = [self.env[a] for a in found if isinstance(self.env.get(a), torch.Tensor)]
        return values[0].dtype if values else torch.float32


def kind_shape(node: fx.Node, root: torch.nn.Module) -> tuple[int, ...] | None:
    """The per-sample shape the node's kind gives, or None where no kind tells it before the
    node runs (no table entry, a converter that needs the result, arguments a kind refuses)."""
    module = root.get_submodule(node.target) if node.op == "call_module" else None
    op = Op(node, module)
    try:
        if not op.tensors():
            return None
        name, raw = table.converted(op)
        kind = KINDS.get(name)
        if kind is None or not takes(kind, len(op.tensors())):
            return None
        return tuple(kind.shape(parse_args(kind.Args, raw), op.in_shapes()))
    except (NoKind, LayerProblem):
        return None


@contextlib.contextmanager
def _on_meta(module: torch.nn.Module):
    """Every parameter and buffer swapped for a meta tensor of its shape while the block runs,
    then the user's own put back: shapes without copying or touching the weights.
    (``torch.empty``, not ``empty_like``: the latter's meta kernel imports sympy.)"""
    saved = []
    for m in module.modules():
        for store in (m._parameters, m._buffers):
            for key, value in store.items():
                if value is not None and value.device.type != "meta":
                    saved.append((store, key, value))
                    meta = torch.empty(value.shape, dtype=value.dtype, device="meta")
                    store[key] = torch.nn.Parameter(meta, value.requires_grad) \
                        if isinstance(value, torch.nn.Parameter) else meta
    try:
        yield
    finally:
        for store, key, value in saved:
            store[key] = value

"""Trace an ``nn.Module`` with torch.fx: the graph, every tensor's shape, each op's source line.

Symbolic tracing records ``call_module`` / ``call_function`` / ``call_method`` nodes (torch.fx's
own vocabulary); a ShapeProp pass then runs the graph on meta tensors, so each node's
``meta['tensor_meta']`` holds its shape without a real forward at full size. The tracer
records the user's own line that made each node (``source_line``).
"""
from __future__ import annotations

import contextlib
import linecache
import os
import sys
from pathlib import Path

import torch
from torch import fx
from torch.fx.passes.shape_prop import _extract_tensor_metadata

from archlens.errors import SpecError

BATCH = 2    # traced batch size: 2 tells the batch axis from a size-1 axis in a view
_TORCH_DIR = str(Path(torch.__file__).resolve().parent)
_HERE = os.path.dirname(os.path.abspath(__file__))
HINT = ("fx traces with symbolic values, so Python control flow on tensor values cannot be "
        "recorded; decide that branch from the module's constructor arguments instead of the "
        "tensor, or import a variant without it")


def trace(model: torch.nn.Module, input: tuple[int, ...], where: str) -> fx.GraphModule:
    """The traced graph of ``model`` with every tensor node's shape (batch ``BATCH``)."""
    model = model.eval()
    tracer = _Tracer()
    try:
        graph = tracer.trace(model)
    except Exception as exc:   # fx raises TraceError, TypeError, NotImplementedError, ...
        raise SpecError(f"torch.fx cannot trace the model: {type(exc).__name__}: "
                        f"{_first_line(exc)}; {HINT}", file=where) from None
    gm = fx.GraphModule(tracer.root, graph)
    _propagate(gm, input, where)
    return gm


class _ShapeProp(fx.Interpreter):
    """ShapeProp's work (``meta['tensor_meta']`` on every node that yields a tensor), without
    its per-node import of the symbolic-shapes machinery (seconds on first use); remembers the
    node it runs, for the message when the model fails."""

    def run_node(self, n: fx.Node):
        self.current = n
        result = super().run_node(n)
        if isinstance(result, torch.Tensor):
            n.meta["tensor_meta"] = _extract_tensor_metadata(result)
        elif isinstance(result, (tuple, list)) and any(isinstance(r, torch.Tensor) for r in result):
            n.meta["tensor_meta"] = [_extract_tensor_metadata(r) for r in result
                                     if isinstance(r, torch.Tensor)]
        return result


def _propagate(gm: fx.GraphModule, input: tuple[int, ...], where: str) -> None:
    prop = _ShapeProp(gm)
    try:
        with _on_meta(gm):
            prop.run(torch.empty(BATCH, *input, device="meta"))
    except Exception as exc:   # a shape error inside the user's model at this input
        node = getattr(prop, "current", None)
        at = f" at '{module_path(node) or node.name}'" if node is not None else ""
        line = source_line(node) if node is not None else ""
        cause = exc.__cause__ or exc
        raise SpecError(f"the model fails on an input of {'x'.join(map(str, input))}{at}"
                        + (f" ({line})" if line else "") +
                        f": {type(cause).__name__}: {_first_line(cause)}", file=where) from None


@contextlib.contextmanager
def _on_meta(module: torch.nn.Module):
    """Every parameter and buffer swapped for a meta tensor of its shape while the block runs,
    then the user's own put back: shapes without copying or touching the weights."""
    saved = []
    for m in module.modules():
        for store in (m._parameters, m._buffers):
            for key, value in store.items():
                if value is not None and value.device.type != "meta":
                    saved.append((store, key, value))
                    meta = torch.empty_like(value, device="meta")
                    store[key] = torch.nn.Parameter(meta, value.requires_grad) \
                        if isinstance(value, torch.nn.Parameter) else meta
    try:
        yield
    finally:
        for store, key, value in saved:
            store[key] = value


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else "no message"


class _Tracer(fx.Tracer):
    """fx's tracer, recording for each node the user's line that made it.

    fx's own ``record_stack_traces`` formats stacks with torch's CapturedTraceback, whose first
    use imports torch._dynamo (5 s here); the first frame outside torch is all a message needs.
    """

    def create_node(self, *args, **kwargs):
        node = super().create_node(*args, **kwargs)
        node.meta["archlens_source"] = _user_frame(sys._getframe(1))
        return node


def _user_frame(frame) -> str:
    while frame is not None:
        file = os.path.abspath(frame.f_code.co_filename)
        if not file.startswith(_TORCH_DIR) and not file.startswith(_HERE):
            code = linecache.getline(frame.f_code.co_filename, frame.f_lineno).strip()
            return f"{Path(file).name}:{frame.f_lineno}: {code}"
        frame = frame.f_back
    return ""


def source_line(node: fx.Node) -> str:
    """'models.py:42: out = self.body(x) * x', the user's line that made ``node``, or ''."""
    return node.meta.get("archlens_source", "")


def module_path(node: fx.Node) -> str:
    """The qualified name of the module whose forward made ``node`` ('' at the top)."""
    if node.op == "call_module":
        return str(node.target)
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return ""
    path, _ = list(stack.values())[-1]
    return str(path)


def shape_of(node) -> tuple[int, ...] | None:
    """A tensor node's per-sample shape (batch axis dropped), or None for other values."""
    meta = node.meta.get("tensor_meta") if isinstance(node, fx.Node) else None
    shape = getattr(meta, "shape", None)
    if shape is None or len(shape) == 0:
        return None
    return tuple(int(v) for v in shape[1:])

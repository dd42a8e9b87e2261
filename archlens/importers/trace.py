"""Trace an ``nn.Module`` with torch.fx: the graph and each op's source line.

Symbolic tracing records ``call_module`` / ``call_function`` / ``call_method`` nodes (torch.fx's
own vocabulary); ``shapes.propagate`` then gives every tensor node its shape. The tracer
records the user's own line that made each node (``source_line``).
"""
from __future__ import annotations

import linecache
import os
import sys
from pathlib import Path

import torch
from torch import fx

from archlens.errors import SpecError

_TORCH_DIR = str(Path(torch.__file__).resolve().parent)
_HERE = os.path.dirname(os.path.abspath(__file__))
HINT = ("fx traces with symbolic values, so Python control flow on tensor values cannot be "
        "recorded; decide that branch from the module's constructor arguments instead of the "
        "tensor, or import a variant without it")


def trace(model: torch.nn.Module, where: str) -> fx.GraphModule:
    """The traced graph of ``model`` (its shapes: ``shapes.propagate``)."""
    model = model.eval()
    tracer = _Tracer()
    try:
        graph = tracer.trace(model)
    except Exception as exc:   # fx raises TraceError, TypeError, NotImplementedError, ...
        raise SpecError(f"torch.fx cannot trace the model: {type(exc).__name__}: "
                        f"{first_line(exc)}; {HINT}", file=where) from None
    return fx.GraphModule(tracer.root, graph)


def first_line(exc: BaseException) -> str:
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

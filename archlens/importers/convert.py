"""Traced graph -> spec layers: one layer per op, named after its module, wired by ``inputs:``.

Each ``call_module`` / ``call_function`` / ``call_method`` node goes through the mapping table
(``table.py``); the kind's own rules then check the arguments and reproduce the traced shape,
so a layer is written only where archlens computes exactly what torch ran. An op with no kind
fails with one line naming the op, its module path and its source line, or with
``allow_unknown`` becomes an ``opaque`` layer (shape from the trace, parameters from the module).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from torch import fx

from archlens.errors import LayerProblem, SpecError
from archlens.core.kinds import KINDS
from archlens.core.kinds.args import parse_args
from archlens.importers import table
from archlens.importers.ops import SHAPE, NoKind, Op, shape_of, takes
from archlens.importers.trace import module_path, source_line
from archlens.spec.model import INPUT


@dataclass
class Converted:
    layers: list[dict] = field(default_factory=list)
    modules: dict[str, str] = field(default_factory=dict)   # spec layer -> module path
    names: dict = field(default_factory=dict)               # fx node -> layer name (or INPUT)
    calls: dict[str, int] = field(default_factory=dict)     # module path -> times called


def convert(gm: fx.GraphModule, where: str, allow_unknown: bool = False) -> Converted:
    out = Converted()
    modules = dict(gm.named_modules())
    for node in gm.graph.nodes:
        if node.op == "placeholder":
            _placeholder(node, out, where)
        elif node.op == "output":
            _output(node, out, where)
        elif node.op in ("call_module", "call_function", "call_method"):
            _op(node, modules.get(node.target) if node.op == "call_module" else None,
                out, where, allow_unknown)
    return out


def _placeholder(node: fx.Node, out: Converted, where: str) -> None:
    if INPUT in out.names.values():
        raise SpecError("the model's forward takes more than one input; a spec has one",
                        file=where)
    out.names[node] = INPUT


def _output(node: fx.Node, out: Converted, where: str) -> None:
    result = node.args[0]
    if not isinstance(result, fx.Node) or out.names.get(result) in (None, INPUT):
        raise SpecError("the model must return one tensor computed by its layers (it returns "
                        f"{type(result).__name__})", file=where)
    last = out.names[result]
    if out.layers[-1]["name"] != last:    # the spec's output is its last layer
        raise SpecError(f"the model returns '{last}' but computes '{out.layers[-1]['name']}' "
                        f"after it, unused (an in-place op such as x.relu_() whose result is "
                        f"not assigned?)", file=where)

def _op(node: fx.Node, module, out: Converted, where: str, allow_unknown: bool) -> None:
    if isinstance(node.meta.get(SHAPE), list):
        raise _unknown_error(node, module, "it returns several tensors (a spec layer has one output)",
                             where, fatal=True)
    if shape_of(node) is None:
        return   # x.size(0), x.shape: values the converters read, not layers
    if (node.op, node.target) in table.ALIASES:
        out.names[node] = out.names[node.args[0]]
        return
    op = Op(node, module)
    try:
        sources = _sources(op, out)
        kind, args = table.converted(op)
        sources = _sources(op, out)    # with the references the converter found
        _check(kind, args, op, len(sources))
    except NoKind as exc:
        if not allow_unknown:
            raise _unknown_error(node, module, str(exc), where) from None
        op.references = ()
        sources = _sources_or_fail(op, out, node, module, where)
        kind, args = "opaque", _opaque_args(op, str(exc))
    _shared(node, module, out, where)
    name = _name(node, out)
    layer = {"name": name, "kind": kind, **args}
    previous = out.layers[-1]["name"] if out.layers else INPUT
    if sources != [previous]:
        layer["inputs"] = sources[0] if len(sources) == 1 else sources
    out.layers.append(layer)
    out.names[node] = name
    if node.op == "call_module" and name != node.target:
        out.modules[name] = str(node.target)


def _sources(op: Op, out: Converted) -> list[str]:
    names = []
    for n in op.tensors():
        if n not in out.names:
            raise NoKind(f"it reads '{n.target}', a tensor of the model that is no layer's output")
        names.append(out.names[n])
    return names


def _sources_or_fail(op: Op, out: Converted, node, module, where) -> list[str]:
    try:
        return _sources(op, out)
    except NoKind as exc:
        raise _unknown_error(node, module, str(exc), where, fatal=True) from None


def _check(kind_name: str, raw: dict, op: Op, n_inputs: int) -> None:
    """The kind exists, takes these arguments and inputs, and gives the traced shape."""
    kind = KINDS.get(kind_name)
    if kind is None:
        raise NoKind(f"it needs the kind '{kind_name}', which this archlens does not have")
    if not takes(kind, n_inputs):
        raise NoKind(f"{n_inputs} inputs for the kind '{kind_name}'")
    try:
        shape = tuple(kind.shape(parse_args(kind.Args, raw), op.in_shapes()))
    except LayerProblem as exc:
        raise NoKind(f"the kind '{kind_name}' cannot take it ({exc.message()})") from None
    if shape != op.out_shape:
        raise NoKind(f"the kind '{kind_name}' gives shape {shape}, torch {op.out_shape}")


def _opaque_args(op: Op, reason: str) -> dict:
    params = sum(p.numel() for p in op.module.parameters()) if op.module is not None else 0
    return {"op": describe(op.node, op.module), "in_shapes": [list(s) for s in op.in_shapes()],
            "out_shape": list(op.out_shape), "params": params, "reason": reason}


def _shared(node: fx.Node, module, out: Converted, where: str) -> None:
    """A module with weights called twice shares them; a spec layer owns its own."""
    if node.op != "call_module":
        return
    times = out.calls[node.target] = out.calls.get(node.target, 0) + 1
    if times > 1 and any(True for _ in module.parameters()):
        raise SpecError(f"module '{node.target}' is called {times} times with the same weights "
                        f"({source_line(node) or 'no source line'}); a spec layer owns its "
                        f"weights, so shared modules cannot be imported", file=where)


def _name(node: fx.Node, out: Converted) -> str:
    if node.op == "call_module":
        base = str(node.target)
    else:
        scope = module_path(node)
        short = re.sub(r"_\d+$", "", node.name)
        base = f"{scope}.{short}" if scope else short
    name = re.sub(r"\W", "_", base.replace(".", "_"))
    name = name if re.match(r"[A-Za-z_]", name) and name != INPUT else f"_{name}"
    taken = set(out.names.values())
    unique, i = name, 0
    while unique in taken:
        i += 1
        unique = f"{name}_{i}"
    return unique


def describe(node: fx.Node, module) -> str:
    """'torch.nn.modules.pixelshuffle.PixelShuffle', 'torch.roll', 'Tensor.permute'."""
    if node.op == "call_module":
        return f"{type(module).__module__}.{type(module).__qualname__}"
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    owner = getattr(node.target, "__module__", None) or "torch"
    owner = owner.lstrip("_") if owner in ("_operator",) else owner
    return f"{owner}.{getattr(node.target, '__name__', node.target)}"


def _unknown_error(node: fx.Node, module, reason: str, where: str, fatal: bool = False) -> SpecError:
    path = module_path(node) or "the top-level module"
    line = source_line(node)
    hint = ("" if fatal else "; pass --allow-unknown to import it as an opaque layer (shape from "
            "the trace, MACs unknown)")
    return SpecError(f"op {describe(node, module)} in '{path}'" + (f" ({line})" if line else "") +
                     f": {reason}{hint}", file=where)

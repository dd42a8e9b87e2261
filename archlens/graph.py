"""The single traversal that both ``profile`` and ``build`` use.

Resolves each layer's inputs (default: the previous layer; the first reads the network
input), checks that every input names a layer, orders layers topologically (stable in spec
order) and rejects cycles. Then ``walk_shapes`` infers every output shape once.
"""
from __future__ import annotations

from dataclasses import dataclass

from .errors import LayerProblem, SpecError
from .geometry import Shape
from .kinds import Kind, get_kind
from .kinds.args import suggest
from .spec import INPUT, LayerSpec, Spec


@dataclass(frozen=True)
class Node:
    layer: LayerSpec
    kind: Kind
    inputs: tuple[str, ...]  # producer names, INPUT for the network input

    @property
    def name(self) -> str:
        return self.layer.name


def _located(spec: Spec, layer: LayerSpec, problem: str) -> SpecError:
    return SpecError(problem, file=spec.path or spec.name, layer=layer.name, kind=layer.kind)


def _wire(spec: Spec) -> list[Node]:
    names = [layer.name for layer in spec.layers]
    nodes, previous = [], INPUT
    for layer in spec.layers:
        inputs = layer.inputs if layer.inputs is not None else (previous,)
        for src in inputs:
            if src != INPUT and src not in names:
                raise _located(spec, layer, f"input '{src}' names no layer"
                                            f"{suggest(src, names + [INPUT])}")
            if src == layer.name:
                raise _located(spec, layer, "a layer cannot be its own input (cycle)")
        kind = get_kind(layer.kind)
        _check_arity(spec, layer, kind, inputs)
        nodes.append(Node(layer, kind, tuple(inputs)))
        previous = layer.name
    return nodes


def _check_arity(spec: Spec, layer: LayerSpec, kind: Kind, inputs) -> None:
    if kind.arity is None and len(inputs) < 2:
        raise _located(spec, layer, f"needs two or more inputs, got {len(inputs)}")
    if kind.arity is not None and len(inputs) != kind.arity:
        raise _located(spec, layer, f"takes {kind.arity} input(s), got {len(inputs)}")


def order(spec: Spec) -> list[Node]:
    """Nodes in a topological order that keeps spec order wherever wiring allows."""
    nodes = _wire(spec)
    done, ordered, pending = {INPUT}, [], list(nodes)
    while pending:
        ready = next((n for n in pending if all(s in done for s in n.inputs)), None)
        if ready is None:
            raise _cycle_error(spec, pending)
        pending.remove(ready)
        ordered.append(ready)
        done.add(ready.name)
    return ordered


def _cycle_error(spec: Spec, pending: list[Node]) -> SpecError:
    names = ", ".join(n.name for n in pending)
    return _located(spec, pending[0].layer, f"inputs form a cycle among layers {names}")


def walk_shapes(spec: Spec, nodes: list[Node] | None = None) -> dict[str, Shape]:
    """Every layer's output shape (and INPUT's), in one pass; errors name the layer."""
    nodes = nodes if nodes is not None else order(spec)
    shapes: dict[str, Shape] = {INPUT: tuple(spec.input)}
    for node in nodes:
        ins = [shapes[s] for s in node.inputs]
        try:
            out = node.kind.shape(node.layer.args, ins)
        except LayerProblem as exc:
            raise _located(spec, node.layer, str(exc)) from None
        if any(v <= 0 for v in out):
            raise _located(spec, node.layer, f"output would be empty ({out}) for input {ins}")
        shapes[node.name] = tuple(out)
    return shapes


def output_name(nodes: list[Node]) -> str:
    """The network output: the last layer in order."""
    return nodes[-1].name

"""The single traversal that both ``profile`` and ``build`` use.

Resolves each layer's inputs (default: the previous layer; the first reads the network
input), checks that every input names a layer, orders layers topologically (stable in spec
order) and rejects cycles. Then ``walk_shapes`` infers every output shape once.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass

from archlens.core.records import fast_init
from archlens.errors import LayerProblem, SpecError
from archlens.core.geometry import Shape
from archlens.core.kinds import Kind, get_kind
from archlens.core.kinds.args import suggest
from archlens.spec.model import INPUT, LayerSpec, Spec


@fast_init   # built per layer (records.py)
@dataclass(frozen=True)
class Node:
    layer: LayerSpec
    kind: Kind
    inputs: tuple[str, ...]  # producer names, INPUT for the network input

    @property
    def name(self) -> str:
        return self.layer.name


def _located(spec: Spec, layer: LayerSpec, problem: str) -> SpecError:
    return SpecError(problem, file=spec.where, layer=layer.name, kind=layer.kind)


def node_error(spec: Spec, node: "Node", problem: LayerProblem, inputs=None) -> SpecError:
    """A kind's LayerProblem at ``node``, located in the spec's file and layer."""
    return SpecError.from_problem(problem, spec.where, node.name, node.layer.kind,
                                  inputs)


def _wire(spec: Spec) -> list[Node]:
    names = {layer.name for layer in spec.layers}  # a set: wiring stays linear in layers
    nodes, previous = [], INPUT
    for layer in spec.layers:
        inputs = layer.inputs if layer.inputs is not None else (previous,)
        for src in inputs:
            if src != INPUT and src not in names:
                known = [l.name for l in spec.layers] + [INPUT]  # spec order, for suggest
                raise _located(spec, layer, f"input '{src}' names no layer{suggest(src, known)}")
            if src == layer.name:
                raise _located(spec, layer, "a layer cannot be its own input (cycle)")
        kind = get_kind(layer.kind)
        _check_arity(spec, layer, kind, inputs)
        nodes.append(Node(layer, kind, tuple(inputs)))
        previous = layer.name
    return nodes


def _check_arity(spec: Spec, layer: LayerSpec, kind: Kind, inputs) -> None:
    if kind.arity == 0:   # any number, as traced (opaque)
        return
    if kind.arity is None and len(inputs) < 2:
        raise _located(spec, layer, f"needs two or more inputs, got {len(inputs)}")
    if kind.arity is not None and len(inputs) != kind.arity:
        raise _located(spec, layer, f"takes {kind.arity} input(s), got {len(inputs)}")


def order(spec: Spec) -> list[Node]:
    """Nodes in a topological order that keeps spec order wherever wiring allows.

    Kahn's algorithm with a heap of spec positions: the next node is always the earliest
    ready one in spec order, so a spec already in order comes back unchanged.
    """
    nodes = _wire(spec)
    position = {node.layer.name: i for i, node in enumerate(nodes)}
    consumers: list[list[int]] = [[] for _ in nodes]
    waiting = [0] * len(nodes)   # producers not yet placed, per node
    in_order = True
    for i, node in enumerate(nodes):
        for src in (node.inputs if len(node.inputs) == 1 else set(node.inputs)):
            if src != INPUT:
                j = position[src]
                consumers[j].append(i)
                waiting[i] += 1
                in_order = in_order and j < i
    if in_order:   # every producer comes earlier: the heap would pop the nodes in spec order
        return nodes
    ready = [i for i, count in enumerate(waiting) if count == 0]  # ascending: already a heap
    ordered: list[Node] = []
    while ready:
        i = heapq.heappop(ready)
        ordered.append(nodes[i])
        for j in consumers[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(ready, j)
    if len(ordered) < len(nodes):
        producers = [{position[s] for s in node.inputs if s != INPUT} for node in nodes]
        raise _cycle_error(spec, nodes, producers, waiting)
    return ordered


def _cycle_error(spec: Spec, nodes: list[Node], producers, waiting) -> SpecError:
    """Name the layers of one cycle (in spec order), not the layers merely downstream of it."""
    cycle = _find_cycle(producers, waiting)
    names = ", ".join(nodes[i].name for i in cycle)
    return _located(spec, nodes[cycle[0]].layer, f"inputs form a cycle among layers {names}")


def _find_cycle(producers, waiting) -> list[int]:
    """Walk back from the first blocked node through blocked producers until one repeats.

    Every blocked node has a blocked producer, so the walk must close a loop.
    """
    step = {}  # blocked node -> the blocked producer the walk took from it
    node = next(i for i, count in enumerate(waiting) if count > 0)
    while node not in step:
        step[node] = next(src for src in sorted(producers[node]) if waiting[src] > 0)
        node = step[node]
    cycle, member = [node], step[node]
    while member != node:
        cycle.append(member)
        member = step[member]
    return sorted(cycle)


def walk_shapes(spec: Spec, nodes: list[Node] | None = None) -> dict[str, Shape]:
    """Every layer's output shape (and INPUT's), in one pass; errors name the layer."""
    nodes = nodes if nodes is not None else order(spec)
    shapes: dict[str, Shape] = {INPUT: tuple(spec.input)}
    for node in nodes:
        ins = [shapes[s] for s in node.inputs]
        try:
            out = node.kind.shape(node.layer.args, ins)
        except LayerProblem as exc:
            raise node_error(spec, node, exc) from None
        if min(out, default=1) <= 0:
            raise _located(spec, node.layer, f"output would be empty ({out}) for input {ins}")
        shapes[node.name] = tuple(out)
    return shapes


def output_names(spec: Spec, nodes: list[Node]) -> tuple[str, ...]:
    """What the network returns: the spec's ``outputs:``, else every layer no layer reads (spec
    order): the last layer of a chain, each head of a multi-head network."""
    if spec.outputs:
        return spec.outputs
    read = {src for node in nodes for src in node.inputs}
    return tuple(layer.name for layer in spec.layers if layer.name not in read)

"""One traced op as the converters see it: its arguments by PyTorch's names, its shapes."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from torch import fx

SHAPE = "archlens_shape"   # node.meta key: the node's shape, batch axis first (shapes.propagate)


class NoKind(Exception):
    """A converter's reason why this call has no archlens kind (e.g. padding_mode='reflect')."""


class Untraced(NoKind):
    """The converter needs the node's result, and the node has not run yet."""


def shape_of(node) -> tuple[int, ...] | None:
    """A tensor node's per-sample shape (batch axis dropped), or None for other values."""
    shape = node.meta.get(SHAPE) if isinstance(node, fx.Node) else None
    if not isinstance(shape, tuple) or len(shape) == 0:
        return None
    return shape[1:]


def takes(kind, n_inputs: int) -> bool:
    """Whether ``kind`` takes ``n_inputs`` inputs (its ``arity``)."""
    if kind.arity == 0:
        return True
    return n_inputs >= 2 if kind.arity is None else n_inputs == kind.arity


@dataclass
class Op:
    node: fx.Node
    module: Any                       # the nn.Module of a call_module node, else None
    names: tuple[str, ...] = ()       # the call's positional parameter names, for ``arg``
    # tensors a converter found the call reads for their shape only (``size=y.shape[-2:]``):
    # the layer's inputs after the call's own tensors
    references: tuple[fx.Node, ...] = ()

    def arg(self, name: str, default: Any = None) -> Any:
        """The call's argument ``name``, given by position or keyword, else ``default``."""
        if name in self.node.kwargs:
            return self.node.kwargs[name]
        if name in self.names:
            i = self.names.index(name)
            if i < len(self.node.args):
                return self.node.args[i]
        return default

    def attr(self, name: str) -> Any:
        return getattr(self.module, name)

    @property
    def out_shape(self) -> tuple[int, ...]:
        """The traced result's per-sample shape; ``Untraced`` before the node has run."""
        shape = shape_of(self.node)
        if shape is None:
            raise Untraced("the mapping needs the traced result")
        return shape

    def tensors(self) -> list[fx.Node]:
        """The tensor arguments in order, inside lists too (``torch.cat([a, b])``), then the
        ``references`` the converter found."""
        found: list[fx.Node] = []
        fx.node.map_arg((self.node.args, self.node.kwargs),
                        lambda n: found.append(n) if shape_of(n) is not None else None)
        return found + list(self.references)

    def in_shapes(self) -> list[tuple[int, ...]]:
        return [shape_of(n) for n in self.tensors()]

    def constants(self) -> list[Any]:
        """Arguments (by position) that are not traced values: numbers, strings, None."""
        return [a for a in self.node.args if not isinstance(a, (fx.Node, list, tuple))]


def pair(value) -> Any:
    """(3, 3) -> 3 and (1, 2) -> [1, 2], as a spec writes a pair; an int stays an int."""
    if isinstance(value, (tuple, list)):
        value = [int(v) if not isinstance(v, float) else v for v in value]
        return value[0] if len(set(value)) == 1 else value
    return value


def nondefault(values: dict, defaults: dict) -> dict:
    """``values`` without the entries equal to PyTorch's (and the kind's) default."""
    out = {}
    for key, value in values.items():
        if key in defaults and _same(value, defaults[key]):
            continue
        out[key] = value
    return out


def _same(a, b) -> bool:
    if isinstance(a, (list, tuple)) or isinstance(b, (list, tuple)):
        a = list(a) if isinstance(a, (list, tuple)) else [a]
        b = list(b) if isinstance(b, (list, tuple)) else [b]
        if len(a) != len(b):
            a, b = (a * len(b), b) if len(a) == 1 else (a, b * len(a))
        return a == b
    return type(a) is type(b) and a == b     # True is not the default 1, nor 1 the default 1.0

"""Which tensor a traced size argument is the height and width of (``y.shape[-2:]`` and the
other ways of writing it), so ``F.interpolate(x, size=...)`` can name that tensor as the
upsample layer's reference input instead of freezing the traced numbers."""
from __future__ import annotations

import operator

from torch import fx

from archlens.importers.ops import shape_of


def height_and_width_of(size) -> fx.Node | None:
    """The 4-D tensor T whose height and width ``size`` is: ``T.shape[-2:]``, ``T.size()[2:]``,
    ``(T.shape[2], T.shape[3])``, ``(T.size(-2), T.size(-1))``; None for any other size."""
    if isinstance(size, fx.Node):
        if size.op == "call_function" and size.target is operator.getitem:
            whole, index = size.args
            tensor = _whole_shape_of(whole)
            if tensor is not None and isinstance(index, slice) and list(range(4))[index] == [2, 3]:
                return tensor
        return None
    if isinstance(size, (list, tuple)) and len(size) == 2:
        axes = [_axis_of(v) for v in size]
        if None not in axes and axes[0][0] is axes[1][0] and [a for _, a in axes] == [2, 3]:
            return axes[0][0]
    return None


def _four_d(node) -> bool:
    shape = shape_of(node)
    return shape is not None and len(shape) == 3


def _whole_shape_of(node) -> fx.Node | None:
    """T for a node that is ``T.shape`` or ``T.size()`` of a 4-D tensor T."""
    if not isinstance(node, fx.Node) or not node.args or not _four_d(node.args[0]):
        return None
    if node.op == "call_function" and node.target is getattr and node.args[1:] == ("shape",):
        return node.args[0]
    if node.op == "call_method" and node.target == "size" and len(node.args) == 1 and not node.kwargs:
        return node.args[0]
    return None


def _axis_of(node) -> tuple[fx.Node, int] | None:
    """(T, axis 0..3) for a node that is ``T.shape[i]`` or ``T.size(i)`` of a 4-D tensor T."""
    if not isinstance(node, fx.Node) or node.kwargs:
        return None
    if node.op == "call_function" and node.target is operator.getitem:
        tensor, index = _whole_shape_of(node.args[0]), node.args[1]
    elif node.op == "call_method" and node.target == "size" and len(node.args) == 2:
        tensor, index = (node.args[0] if _four_d(node.args[0]) else None), node.args[1]
    else:
        return None
    if tensor is None or not isinstance(index, int) or not -4 <= index < 4:
        return None
    return tensor, index % 4

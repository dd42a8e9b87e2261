"""Refusing YAML alias bombs before anything expands them.

The safe loader shares an aliased node instead of copying it, so a 600-byte document of nested
aliases (``&a [x, x, ...]``, ``&b [*a, *a, ...]``, ...) loads quickly, and then explodes to
gigabytes the moment anything walks it as a tree: ``str()``, ``repr()``, ``json.dumps``, a
cache key, or the merge key ``<<`` while constructing. ``check`` walks the composed node graph
once, counting the size of the document *as expanded*, memoised per node, and refuses it past
``MAX_NODES`` nodes or ``MAX_CHARS`` characters of scalar text, or when an alias refers to a
node that contains it. A spec of 100,000 layers is about a million nodes; a document without
aliases can never pass the character bound (files are read up to 10 MB, ``files.py``).
"""
from __future__ import annotations

from itertools import chain


MAX_NODES = 10_000_000          # expanded nodes: mappings, sequences, scalars (keys included)
MAX_CHARS = 100_000_000         # expanded scalar text


class TooLarge(ValueError):
    """The document, once its aliases are expanded, is too large or infinite; one line."""


def expanded_size(root) -> tuple[int, int]:
    """(nodes, scalar characters) of the document under ``root`` with every alias expanded.

    Depth first with an explicit stack (no recursion limit); a node's size is computed once and
    shared by every alias of it. Raises ``TooLarge`` past the bounds or on a recursive alias.
    """
    size = _tree_size(root)
    if size is not None and size[0] <= MAX_NODES and size[1] <= MAX_CHARS:
        return size
    return _expanded_size(root)


def _tree_size(root) -> tuple[int, int] | None:
    """(nodes, scalar characters) of a document whose collections each occur once (no alias
    to a list or mapping: nearly every spec), counted in one plain pass; None on reaching a
    collection twice, for ``_expanded_size`` to measure (and locate) the aliases. Linear: each
    collection's children are pushed once."""
    seen: set[int] = set()
    nodes = chars = 0
    stack = [root]
    pop, push_all, pairs = stack.pop, stack.extend, chain.from_iterable
    while stack:
        node = pop()
        nodes += 1
        if node.id == "scalar":
            chars += len(node.value)
            continue
        if id(node) in seen:
            return None
        seen.add(id(node))
        push_all(node.value if node.id == "sequence" else pairs(node.value))
    return nodes, chars


def _expanded_size(root) -> tuple[int, int]:
    """``expanded_size`` through aliases: memoised per node, locating what it refuses."""
    sizes: dict[int, tuple[int, int]] = {}
    open_nodes: set[int] = set()      # children pushed, not finished: the current node's ancestors
    stack = [root]
    while stack:
        node = stack[-1]
        key = id(node)
        if key in sizes:
            stack.pop()
        elif node.id == "scalar":
            sizes[key] = (1, len(node.value))
            stack.pop()
        elif key in open_nodes:
            open_nodes.discard(key)
            sizes[key] = _total(node, sizes)
            stack.pop()
        else:
            open_nodes.add(key)
            for child in _children(node):
                if id(child) in open_nodes:
                    raise TooLarge(f"line {child.start_mark.line + 1}: a YAML alias refers to a "
                                   f"node that contains it (an infinite document); archlens "
                                   f"refuses recursive aliases")
                if id(child) not in sizes:
                    stack.append(child)
    return sizes[id(root)]


def _children(node) -> list:
    return node.value if node.id == "sequence" else [n for pair in node.value for n in pair]


def _total(node, sizes: dict) -> tuple[int, int]:
    nodes, chars = 1, 0
    for child in _children(node):
        n, c = sizes[id(child)]
        nodes, chars = nodes + n, chars + c
    if nodes > MAX_NODES or chars > MAX_CHARS:
        raise TooLarge(f"line {node.start_mark.line + 1}: the YAML document expands (through "
                       f"its aliases) past {MAX_NODES:,} nodes or {MAX_CHARS:,} characters; "
                       f"archlens refuses such alias bombs: write the values out or use fewer "
                       f"aliases")
    return nodes, chars


def refuse_oversized(root) -> None:
    """Refuse (``TooLarge``) a composed document too large or infinite once expanded."""
    if root is not None:
        expanded_size(root)

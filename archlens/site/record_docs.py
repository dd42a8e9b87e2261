"""What a typed record (a kind's ``Args``, a training recipe) documents about its fields.

The reference pages are generated from the records themselves, never from a list kept beside
them: a field's name, whether it is required, its default as a spec would write it, the kind
of value its parser accepts, and the comment the record gives it in its source (on the field's
line, or on the comment lines right above it).
"""
from __future__ import annotations

import ast
import dataclasses
import inspect
import io
import textwrap
import tokenize
import typing
from dataclasses import dataclass
from functools import lru_cache

from archlens.core.kinds import args as A


@dataclass(frozen=True)
class FieldDoc:
    name: str
    required: bool
    default: str    # as YAML would write it ("" where required)
    accepts: str    # the kind of value the parser takes ("" where unknown)
    note: str       # the record's comment on the field ("" where none)


# the argument types of core/kinds/args.py, named; other parsers say it in their docstring
TYPE_WORDS = [(A.PosInt, "positive integer"), (A.NonNegInt, "non-negative integer"),
              (A.Int, "integer"), (A.PosPair, "positive integer or pair [h, w]"),
              (A.NonNegPair, "non-negative integer or pair [h, w]"), (A.Bool, "true or false"),
              (A.Float, "number"), (A.PosFloat, "positive number"), (A.Prob, "number in [0, 1]"),
              (A.OptPosInt, "positive integer, or null"),
              (A.OptPosPair, "positive integer or pair [h, w], or null")]


def yaml_value(value) -> str:
    """A default as a spec writes it: tuples as lists, None as null, booleans lower case."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(yaml_value(v) for v in value) + "]"
    return str(value)


def _accepts(hint) -> str:
    for alias, words in TYPE_WORDS:
        if hint == alias:
            return words
    if dataclasses.is_dataclass(hint):
        return "mapping (below)"
    if hint is dict:
        return "mapping"
    parser = getattr(hint, "__metadata__", (None,))[0]
    options = getattr(parser, "options", None)
    if options:
        return "one of " + ", ".join(options)
    doc = inspect.getdoc(parser) if parser is not None and parser.__name__ != "<lambda>" else None
    return doc.split("\n\n")[0].replace("\n", " ") if doc else ""


def _default(f: dataclasses.Field) -> str:
    if f.default is not dataclasses.MISSING:
        return yaml_value(f.default)
    if f.default_factory is not dataclasses.MISSING:
        made = f.default_factory()
        return "{}" if isinstance(made, dict) else "(below)"
    return ""


@lru_cache(maxsize=None)
def source_notes(record: type) -> dict[str, str]:
    """{field: its comment} from the record's source and its bases' ({} without a source)."""
    notes: dict[str, str] = {}
    for cls in reversed(record.__mro__):
        if dataclasses.is_dataclass(cls) and cls is not object:
            notes.update(_class_notes(cls))
    return notes


def _class_notes(cls: type) -> dict[str, str]:
    try:
        src = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):
        return {}
    comments = {t.start[0]: t.string.lstrip("#").strip()
                for t in tokenize.generate_tokens(io.StringIO(src).readline)
                if t.type == tokenize.COMMENT}
    lines = src.splitlines()
    notes = {}
    for node in ast.parse(src).body[0].body:
        if not (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)):
            continue
        above, k = [], node.lineno - 1
        while k in comments and lines[k - 1].lstrip().startswith("#"):
            above.insert(0, comments[k])
            k -= 1
        own = comments.get(node.end_lineno) or comments.get(node.lineno)
        notes[node.target.id] = " ".join(above + ([own] if own else []))
    return notes


def field_docs(record: type) -> list[FieldDoc]:
    """Every field of ``record`` (a dataclass), in order."""
    hints = typing.get_type_hints(record, include_extras=True)
    notes = source_notes(record)
    return [FieldDoc(f.name, f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
                     _default(f), _accepts(hints[f.name]), notes.get(f.name, ""))
            for f in dataclasses.fields(record)]

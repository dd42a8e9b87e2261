"""Reading YAML as plain data, with every failure as a one-line located SpecError.

Only the safe loader is used: tags that would construct Python objects are refused.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from . import yamlguard
from .errors import SpecError
from .files import TooLarge, read_text_limited

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_mapping(path: Path) -> dict:
    """Parse ``path`` as a YAML mapping (a spec, an answers file, ...)."""
    try:
        text = read_text_limited(path)
    except TooLarge as exc:
        raise SpecError(str(exc), file=str(path)) from None
    except FileNotFoundError:
        raise SpecError("no such file", file=str(path)) from None
    except IsADirectoryError:
        raise SpecError("is a directory, not a YAML file", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read file ({exc.__class__.__name__})", file=str(path)) from None
    doc = parse(text, str(path))
    if doc is None:
        raise SpecError("file is empty", file=str(path))
    if not isinstance(doc, dict):
        raise SpecError(f"top level must be a mapping, got a {type(doc).__name__}", file=str(path))
    return doc


def parse(text: str, file: str):
    try:
        node = yaml.compose(text, Loader=_Loader)
        yamlguard.check(node)   # before anything expands an alias (construction's << included)
        return None if node is None else _Loader("").construct_document(node)
    except (yamlguard.TooLarge, RecursionError) as exc:
        raise SpecError(_too_large(exc), file=file) from None
    except yaml.constructor.ConstructorError as exc:
        raise SpecError(_tag_message(exc), file=file) from None
    except yaml.YAMLError as exc:
        raise SpecError(_syntax_message(exc), file=file) from None


def _too_large(exc) -> str:
    if isinstance(exc, RecursionError):
        return "YAML nested too deeply for archlens to read (thousands of levels)"
    return str(exc)


def _line(exc) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return f"line {mark.line + 1}: " if mark is not None else ""


def _tag_message(exc) -> str:
    tag = str(exc.problem).split("tag '")[-1].rstrip("'") if "tag '" in str(exc.problem) else "?"
    tag = tag.replace("tag:yaml.org,2002:", "!!")
    return f"{_line(exc)}YAML tag '{tag}' is not allowed (specs are plain data)"


def _syntax_message(exc) -> str:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context, mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    where = ""
    if context and mark is not None and getattr(exc, "problem_mark", None) is not None \
            and mark.line != exc.problem_mark.line:
        where = f" ({context} started on line {mark.line + 1})"
    return f"{_line(exc)}YAML syntax error: {problem}{where}"


class UniqueKeyLoader(_Loader):
    """Safe loader that refuses duplicate mapping keys (PyYAML silently keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                continue  # unhashable keys fail in PyYAML's own construct_mapping
            line = key_node.start_mark.line + 1
            if key in seen:
                raise DuplicateKey(f"line {line}: duplicate entry '{key}' "
                                   f"(first given at line {seen[key]})")
            seen[key] = line
        return super().construct_mapping(node, deep)


class DuplicateKey(yaml.YAMLError):
    pass


def parse_with_lines(text: str, file: str):
    """(document, lines): ``lines`` maps each mapping key's path, e.g. ("layers", "conv1_1"),
    to its 1-based line. Duplicate keys, syntax errors and tags raise a located SpecError."""
    try:
        node = yaml.compose(text, Loader=UniqueKeyLoader)
        yamlguard.check(node)   # before anything expands an alias (construction's << included)
        loader = UniqueKeyLoader("")
        doc = None if node is None else loader.construct_document(node)
    except (yamlguard.TooLarge, RecursionError) as exc:
        raise SpecError(_too_large(exc), file=file) from None
    except DuplicateKey as exc:
        raise SpecError(str(exc), file=file) from None
    except yaml.constructor.ConstructorError as exc:
        raise SpecError(_tag_message(exc), file=file) from None
    except yaml.YAMLError as exc:
        raise SpecError(_syntax_message(exc), file=file) from None
    lines: dict = {}
    _key_lines(node, (), lines)
    return doc, lines


def _key_lines(node, path: tuple, lines: dict) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key is not None:
                lines.setdefault(path + (key,), key_node.start_mark.line + 1)
                _key_lines(value_node, path + (key,), lines)

"""Reading YAML as plain data, with every failure as a one-line located SpecError.

Only the safe loader is used: tags that would construct Python objects are refused.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from .errors import SpecError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_mapping(path: Path) -> dict:
    """Parse ``path`` as a YAML mapping (a spec, an answers file, ...)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
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
        return yaml.load(text, Loader=_Loader)
    except yaml.constructor.ConstructorError as exc:
        raise SpecError(_tag_message(exc), file=file) from None
    except yaml.YAMLError as exc:
        raise SpecError(_syntax_message(exc), file=file) from None


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

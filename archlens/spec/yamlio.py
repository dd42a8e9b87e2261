"""Reading YAML as plain data, with every failure as a one-line located SpecError.

One loader for every YAML file archlens reads (specs, their backbones, answer files): the safe
loader, parsed by libyaml where it is installed, that refuses duplicate keys (PyYAML silently
keeps the last) and tags that would construct Python objects.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

from archlens.spec import yamlguard
from archlens.errors import SpecError, quoted
from archlens.files import TooLarge, read_text_limited

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_mapping(path: Path, shown: str | None = None) -> dict:
    """Parse ``path`` as a YAML mapping (a spec, a backbone, ...); messages name ``shown``."""
    file = shown or str(path)
    try:
        text = read_text_limited(path)
    except TooLarge as exc:
        raise SpecError(str(exc), file=file) from None
    except FileNotFoundError:
        raise SpecError("no such file", file=file) from None
    except IsADirectoryError:
        raise SpecError("is a directory, not a YAML file", file=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read file ({exc.__class__.__name__})", file=file) from None
    doc = parse(text, file)
    if doc is None:
        raise SpecError("file is empty", file=file)
    if not isinstance(doc, dict):
        raise SpecError(f"top level must be a mapping, got a {type(doc).__name__}", file=file)
    return doc


def parse(text: str, file: str):
    """The document as plain data; duplicate keys, syntax errors and tags raise a SpecError."""
    return _construct(_compose(text, file), file)


def _compose(text: str, file: str):
    """The node graph, refused if its aliases would expand past a sane size (``yamlguard``)
    before anything (construction's ``<<`` merges included) expands them."""
    try:
        node = yaml.compose(text, Loader=UniqueKeyLoader)
        yamlguard.refuse_oversized(node)
        return node
    except (yamlguard.TooLarge, RecursionError) as exc:
        raise SpecError(_too_large(exc), file=file) from None
    except yaml.YAMLError as exc:
        raise SpecError(_long_key(text, exc) or _syntax_message(exc), file=file) from None


def _too_large(exc) -> str:
    if isinstance(exc, RecursionError):
        return "YAML nested too deeply for archlens to read (thousands of levels)"
    return str(exc)


def _construct(node, file: str):
    try:
        return None if node is None else UniqueKeyLoader("").construct_document(node)
    except (BadKey, UnreadableValue) as exc:
        raise SpecError(str(exc), file=file) from None
    except yaml.constructor.ConstructorError as exc:
        message = _tag_message(exc) if "tag '" in str(exc.problem) else _syntax_message(exc)
        raise SpecError(message, file=file) from None
    except yaml.YAMLError as exc:
        raise SpecError(_syntax_message(exc), file=file) from None


def _line(exc) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    return f"line {mark.line + 1}: " if mark is not None else ""


def _tag_message(exc) -> str:
    tag = str(exc.problem).split("tag '")[-1].rstrip("'")
    tag = tag.replace("tag:yaml.org,2002:", "!!")
    return f"{_line(exc)}YAML tag '{tag}' is not allowed (specs are plain data)"


KEY_LIMIT = 1024   # YAML reads a key written without '? ' (plain or quoted) up to 1024 characters
_KEY_END = re.compile(r":(?:\s|$)")


def _long_key(text: str, exc) -> str | None:
    """The message for YAML's key-length limit, which libyaml reports as a syntax error
    ("could not find expected ':'"): a key that long is no archlens name, so say that."""
    lines = text.splitlines()
    for mark in (getattr(exc, "problem_mark", None), getattr(exc, "context_mark", None)):
        if mark is None or mark.line >= len(lines):
            continue
        for part in re.split(r"[{},\[\]]", lines[mark.line]):   # flow items; linear time
            end = _KEY_END.search(part)
            key = part[:end.start()].strip().removeprefix("- ").strip() if end else ""
            if len(key) > KEY_LIMIT:
                return (f"line {mark.line + 1}: a key of {len(key):,} characters (YAML reads keys "
                        f"of at most {KEY_LIMIT}); no archlens setting, argument or layer name is "
                        f"that long: check the name")
    return None


def _syntax_message(exc) -> str:
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context, mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    where = ""
    if context and mark is not None and getattr(exc, "problem_mark", None) is not None \
            and mark.line != exc.problem_mark.line:
        where = f" ({context} started on line {mark.line + 1})"
    return f"{_line(exc)}YAML syntax error: {problem}{where}"


_TAG = "tag:yaml.org,2002:"
STR, SEQ, MAP, MERGE = (_TAG + t for t in ("str", "seq", "map", "merge"))
PLAIN_SCALARS = {_TAG + t for t in ("int", "float", "bool", "null")}  # constructed directly


class UniqueKeyLoader(_Loader):
    """Safe loader that refuses duplicate mapping keys (PyYAML silently keeps the last).

    ``construct_document`` builds plain strings, lists and dicts directly: PyYAML's generic
    constructor (a generator per collection) cost more than libyaml's parse on long specs.
    Every other tag goes through the safe constructor, which refuses Python tags.
    """

    def __init__(self, stream):
        super().__init__(stream)
        self._tags: dict[tuple, str] = {}   # resolve's answers, for this document

    def construct_document(self, node):
        self._built: dict[int, object] = {}  # collections by node id: aliases share one object
        self._scalars: dict[tuple, object] = {}  # (tag, text) -> int, float, bool or None
        return self._plain(node)

    def resolve(self, kind, value, implicit):
        """PyYAML's tag resolution, remembered per (kind, text, implicit) for this document:
        libyaml's composer asks for every node's tag, and a spec repeats the same scalars
        (kinds, argument names, sizes) on every layer. (No path resolvers: the tag depends on
        nothing else.)"""
        key = (kind, value, implicit)
        tag = self._tags.get(key)
        if tag is None:
            tag = self._tags[key] = super().resolve(kind, value, implicit)
        return tag

    def _plain(self, node):
        if node.id == "scalar":
            tag = node.tag
            if tag == STR:
                return node.value
            if tag in PLAIN_SCALARS:   # immutable values: one per distinct text
                key = (tag, node.value)
                if key in self._scalars:
                    return self._scalars[key]
                value = self._scalars[key] = self._scalar(node)
                return value
            return self._scalar(node)
        if id(node) in self._built:
            return self._built[id(node)]
        if node.tag == SEQ:
            return self._sequence(node)
        if node.tag == MAP:
            return self._mapping(node)
        return self.construct_object(node, deep=True)  # !!set, !!omap, ... and refused tags

    def _scalar(self, node):
        try:
            if node.tag in PLAIN_SCALARS:
                return self.yaml_constructors[node.tag](self, node)
            return self.construct_object(node, deep=True)  # timestamps, ... and refused tags
        except ValueError as exc:   # an integer past Python's digit limit, a 13th month
            raise UnreadableValue(node, exc) from None

    def _sequence(self, node) -> list:
        out = self._built[id(node)] = []
        out.extend(self._plain(item) for item in node.value)
        return out

    def _mapping(self, node) -> dict:
        out = self._built[id(node)] = {}
        pairs = node.value
        if any(key.tag == MERGE for key, _ in pairs):
            self._refuse_duplicates(node)
            self.flatten_mapping(node)  # '<<: *anchor' merges; keys written here win
            for key_node, value_node in node.value:
                out[self._key(key_node)] = self._plain(value_node)
            return out
        keys = [self._key(key_node) for key_node, _ in pairs]   # every key before any value
        if len(set(keys)) < len(keys):
            self._refuse_duplicates(node)   # says which, and where
        for key, (_, value_node) in zip(keys, pairs):
            out[key] = self._plain(value_node)
        return out

    def _refuse_duplicates(self, node) -> None:
        first_line: dict = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE:
                continue
            key, line = self._key(key_node), key_node.start_mark.line + 1
            if key in first_line:
                raise BadKey(f"line {line}: duplicate entry '{key}' "
                                   f"(first given at line {first_line[key]})")
            first_line[key] = line

    def _key(self, key_node):
        if key_node.id != "scalar":   # '? [a, b]': a list or mapping as a key
            got = "a list" if key_node.id == "sequence" else "a mapping"
            raise BadKey(f"line {key_node.start_mark.line + 1}: a mapping key must be a plain "
                         f"name, not {got} (archlens reads no '? ' complex keys)")
        return key_node.value if key_node.tag == STR else self._plain(key_node)   # a string, number, bool, null or date

    def construct_mapping(self, node, deep=False):
        """Mappings inside other tags (``!!omap``, ``!!set``, ...) refuse duplicates too."""
        if isinstance(node, yaml.MappingNode):  # else PyYAML says 'expected a mapping node'
            self._refuse_duplicates(node)
        return super().construct_mapping(node, deep)


class BadKey(yaml.YAMLError):
    """A mapping key archlens refuses (a duplicate, or a list or mapping); ``str()`` is the
    located message."""


# YAML 1.1 (PyYAML's schema) reads a float only with a dot and a signed exponent, so "1e-3" and
# "5E4" were strings and "lr: 1e-3" failed as "must be a number". YAML 1.2 and JSON write such
# numbers without the dot; read them as floats too, in specs, answers and --set values alike.
EXPONENT_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$")
UniqueKeyLoader.add_implicit_resolver(_TAG + "float", EXPONENT_FLOAT, list("-+.0123456789"))


class UnreadableValue(yaml.YAMLError):
    """A scalar that parses as YAML but that Python cannot construct, located by its line."""

    def __init__(self, node, exc: ValueError):
        line = node.start_mark.line + 1
        if node.tag == _TAG + "int":
            digits = sum(ch.isdigit() for ch in node.value)
            limit = sys.get_int_max_str_digits()
            problem = f"an integer of {digits:,} digits; archlens reads integers of at most {limit:,} digits"
        else:
            problem = f"cannot read {quoted(node.value)} as a {node.tag.replace(_TAG, '')} ({exc})"
        super().__init__(f"line {line}: {problem}")


def parse_with_lines(text: str, file: str):
    """(document, lines): ``lines`` maps each mapping key's path, e.g. ("layers", "conv1_1"),
    to its 1-based line. Duplicate keys, syntax errors and tags raise a located SpecError."""
    node = _compose(text, file)
    doc = _construct(node, file)
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

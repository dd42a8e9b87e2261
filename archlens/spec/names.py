"""Spec names: identifiers, because a name chooses where files go (``runs/<name>/``, pages).

A spec name is letters, digits, ``_``, ``-`` and ``.``, does not start with ``.`` (so never
``.``, ``..`` or a hidden file), holds no ``/`` (so it is one folder, never a path out of
``runs/``) and is at most ``MAX_LENGTH`` characters. A name written in the spec is checked as
written; a name taken from the file name (no ``name:``) is made into one.
"""
from __future__ import annotations

import re
from pathlib import Path

from archlens.errors import SpecError

SPEC_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
MAX_LENGTH = 100
RULE = (f"letters, digits, _, - and ., not starting with '.', at most {MAX_LENGTH} characters")


def is_spec_name(name) -> bool:
    return isinstance(name, str) and len(name) <= MAX_LENGTH and bool(SPEC_NAME.fullmatch(name))


def spec_name(doc: dict, path: Path) -> str:
    """The spec's ``name:`` (checked), or the file's stem made into a name."""
    if "name" not in doc:
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(path).stem).lstrip(".")[:MAX_LENGTH]
        return stem or "spec"
    value = doc["name"]
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not is_spec_name(value):
        raise SpecError(f"name {value!r} is not a spec name ({RULE}): it names the run folder "
                        f"and the site page, so it must be one plain file name")
    return value


def folder_for(root: Path, name: str) -> Path:
    """``root / name`` for a spec name, refusing anything that is not one plain child of root."""
    if not is_spec_name(name):
        raise SpecError(f"name {name!r} is not a spec name ({RULE}); refusing to build a path "
                        f"from it under {root}")
    return Path(root) / name

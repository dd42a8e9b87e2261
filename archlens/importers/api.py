"""The import: an ``nn.Module`` (or a TARGET naming one) -> a validated ``Spec``, or YAML."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

from archlens.errors import SpecError
from archlens.files import check_output, write_text_atomically
from archlens.importers.convert import convert
from archlens.importers.target import load_target, split
from archlens.importers.shapes import propagate
from archlens.importers.trace import trace
from archlens.spec.load import spec_from_dict
from archlens.spec.model import Spec
from archlens.spec.names import MAX_LENGTH
from archlens.spec.yamlwrite import spec_yaml

DEFAULT_INPUT = (3, 224, 224)


def import_doc(model, input: Sequence[int] | None = None, name: str | None = None,
               allow_unknown: bool = False, where: str = "<module>") -> dict:
    """The spec of ``model`` as plain YAML data (one layer per traced op)."""
    shape = tuple(input) if input is not None else DEFAULT_INPUT
    gm = trace(model, where)
    propagate(gm, shape, where)
    done = convert(gm, where, allow_unknown)
    doc = {"name": name or _name(model), "title": f"{type(model).__name__} (imported)",
           "source": f"imported from {where} with torch.fx",
           "task": "classification" if _flat(gm) else "segmentation",
           "input": list(shape), "layers": done.layers}
    imported = {"from": where}
    if done.modules:
        imported["modules"] = done.modules
    doc["imported"] = imported
    return doc


def from_module(model, input: Sequence[int] | None = DEFAULT_INPUT, name: str | None = None,
                allow_unknown: bool = False, where: str = "<module>") -> Spec:
    """``archlens.from_module(model, input=(3, 224, 224)) -> Spec``: trace, map, validate."""
    doc = import_doc(model, input, name, allow_unknown, where)
    return spec_from_dict(doc, file=where)


def import_target(ref: str, input: Sequence[int] | None = None, name: str | None = None,
                  allow_unknown: bool = False) -> Spec:
    """The spec of the model TARGET names (``file.py:callable``, ``package.module:callable``)."""
    return spec_from_dict(target_doc(ref, input, name, allow_unknown), file=ref)


def target_doc(ref: str, input=None, name=None, allow_unknown: bool = False) -> dict:
    model = load_target(ref)
    return import_doc(model, input, name or _target_name(ref), allow_unknown, where=ref)


def write_import(ref: str, out: str | None, input=None, name=None, force: bool = False,
                 allow_unknown: bool = False) -> tuple[str, Spec]:
    """``archlens import``: the spec's YAML, written to ``out`` (never over a file without
    ``force``, never onto the TARGET's own file), and the spec it loads as."""
    where, _ = split(ref)
    if out:
        check_output(out, [Path(where)] if where.endswith(".py") else [], force, "--out")
    doc = target_doc(ref, input, name, allow_unknown)
    spec = spec_from_dict(doc, file=ref)
    text = spec_yaml(doc, header=f"archlens import {ref}: one layer per op torch.fx traced")
    if out:
        write_text_atomically(out, text)
    return text, spec


def _flat(gm) -> bool:
    from archlens.importers.ops import shape_of
    (result,) = [n.args[0] for n in gm.graph.nodes if n.op == "output"]
    shape = shape_of(result)
    return shape is not None and len(shape) == 1


def _name(model) -> str:
    return _clean(type(model).__name__.lower())


def _target_name(ref: str) -> str:
    return _clean(split(ref)[1].split(".")[-1])


def _clean(text: str) -> str:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", text).lstrip(".")[:MAX_LENGTH]
    if not name:
        raise SpecError("no spec name could be made from the model; pass --name")
    return name

"""The layer kinds part of the spec-format page, generated from the kind registry.

Every registered kind gets a row in the summary table (inputs, what it computes, how it counts
FLOPs, its receptive-field rule) and a section with its arguments, read from its ``Args``
record (``record_docs``). Nothing here names a kind: a kind added to the registry appears.
"""
from __future__ import annotations

import re

import archlens.core.kinds  # noqa: F401  (imports every family, so the registry is complete)
from archlens.core.kinds.registry import FLOPS_CONVENTIONS, KINDS, Kind
from archlens.site import mdtext as md
from archlens.site.record_docs import field_docs

ARITY = {None: "two or more", 0: "any number", 1: "one", 2: "two"}
TRAITS = ("weighted", "windowed", "merge", "reference_input", "flattening", "fully_connected",
          "spatial_pyramid", "view")
POINTWISE_RF = "unchanged: each output unit sees what its input unit sees (pointwise)"
CODE = re.compile(r"``([^`]+)``")


def doc_md(text: str) -> str:
    """Docstring prose for Markdown: ``x`` as a code span where it is plain, the rest escaped."""
    parts = CODE.split(" ".join(text.split()))
    return "".join(f"`{p}`" if i % 2 and re.fullmatch(r"[\w.,()=\[\]'\" :+-]+", p) else _spaced(p)
                   for i, p in enumerate(parts))


def _spaced(text: str) -> str:
    """``md.text`` keeping a leading and a trailing space (the gaps around a code span)."""
    lead, trail = " " if text[:1] == " " else "", " " if text[-1:] == " " else ""
    return lead + md.text(text) + trail if text.strip() else text


def _first_paragraph(doc: str | None) -> str:
    return (doc or "").strip().split("\n\n")[0]


def computes(kind: Kind) -> str:
    """What the kind computes: its class docstring's first paragraph (else its module's)."""
    import sys
    cls = type(kind)
    return _first_paragraph(cls.__doc__) or _first_paragraph(sys.modules[cls.__module__].__doc__)


def rf_rule(kind: Kind) -> str:
    """The receptive-field rule the kind states: the docstring of the rule it overrides."""
    cls = type(kind)
    overridden = [m for m in ("rf_with_shapes", "rf") if getattr(cls, m) is not getattr(Kind, m)]
    if not overridden:
        return POINTWISE_RF
    for method in overridden:
        doc = getattr(cls, method).__doc__
        if doc:
            return _first_paragraph(doc)
    return ""


def flops_rule(kind: Kind) -> str:
    if kind.flops_convention == "per_element":   # the count itself is in the kind's docstring
        return "a fixed number of operations per output element (see computes)"
    return FLOPS_CONVENTIONS.get(kind.flops_convention or "", "not stated")


def summary_table() -> str:
    rows = [[f"[`{name}`](#{anchor(name)})", ARITY.get(k.arity, str(k.arity)), doc_md(computes(k)),
             md.text(flops_rule(k)),
             doc_md(rf_rule(k)) or "not stated"]
            for name, k in sorted(KINDS.items())]
    return md.table(["kind", "inputs", "computes", "FLOPs", "receptive field"], rows)


def anchor(name: str) -> str:
    return "kind-" + name.replace("_", "-")


def kind_section(name: str, kind: Kind) -> str:
    traits = [t for t in TRAITS if getattr(kind, t)]
    lines = [f"### `{name}` {{ #{anchor(name)} }}", "", doc_md(computes(kind)), ""]
    if traits:
        lines += [f"Traits: {', '.join(f'`{t}`' for t in traits)}.", ""]
    fields = field_docs(kind.Args)
    if not fields:
        return "\n".join(lines + ["No arguments."])
    rows = [[f"`{f.name}`", "required" if f.required else md.text(f.default or '""'),
             md.text(f.accepts) or "-", md.text(f.note) or "-"] for f in fields]
    return "\n".join(lines + [md.table(["argument", "default", "accepts", "meaning"], rows)])


def kinds_md() -> str:
    sections = [kind_section(name, kind) for name, kind in sorted(KINDS.items())]
    return "\n\n".join([
        "## Layer kinds",
        f"The {len(KINDS)} kinds of the registry (`archlens/core/kinds/`). A layer's arguments "
        "are the keys of its entry besides `name`, `kind`, `inputs` and `frozen`; an argument "
        "written `num_classes` takes the spec's `num_classes`.",
        summary_table(), *sections])

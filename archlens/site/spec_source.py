"""The spec's own YAML on its model page: the file as it is, folded, with a download link.

A spec loaded from a file (the user's own, or the bundled one) shows that file's text byte for
byte. A spec imported in memory (``archlens site file.py:callable``) has no file: it shows the
YAML ``archlens import`` writes for it (``import_yaml``; tests/test_site_model_links.py holds
the two equal). The text goes into a fenced code block whose fence is longer than any backtick
run in it, so nothing in the file becomes Markdown or HTML; Material adds its copy button.
"""
from __future__ import annotations

from archlens.files import write_if_changed
from archlens.site import mdtext as md
from archlens.spec.load import is_bundled
from archlens.spec.model import Spec
from archlens.spec.yamlwrite import spec_yaml

SPEC_FORMAT = "../spec-format.md"   # the reference page, relative to a model page
# the header `archlens import` writes (importers/api.py write_import)
IMPORT_HEADER = "archlens import {ref}: one layer per op torch.fx traced"


def _layer_doc(layer) -> dict:
    """One layer as the importer writes it: name, kind, arguments, then inputs if not the
    previous layer's (one name as a string, several as a list)."""
    doc = {"name": layer.name, "kind": layer.kind, **layer.raw}
    if layer.inputs is not None:
        doc["inputs"] = layer.inputs[0] if len(layer.inputs) == 1 else list(layer.inputs)
    if layer.frozen:
        doc["frozen"] = True
    return doc


def import_yaml(spec: Spec) -> str:
    """The YAML ``archlens import`` writes for an imported spec (its ``imported:`` section)."""
    doc = {"name": spec.name, "title": spec.title, "source": spec.source, "task": spec.task,
           "input": list(spec.input), "layers": [_layer_doc(layer) for layer in spec.layers],
           "imported": spec.extra["imported"]}
    return spec_yaml(doc, header=IMPORT_HEADER.format(ref=spec.extra["imported"].get("from", spec.where)))


def spec_text(spec: Spec) -> tuple[str, str] | None:
    """(YAML text, where it comes from), or None for a spec made in memory from a mapping."""
    if spec.path is not None and spec.path.is_file():
        text = spec.path.read_bytes().decode("utf-8", errors="replace")
        where = (f"the bundled file `archlens/specs/{spec.path.name}`" if is_bundled(spec)
                 else f"your file {md.text(spec.where)}")
        return text, where
    if "imported" in spec.extra:
        return import_yaml(spec), (f"the YAML `archlens import` writes for "
                                   f"{md.text(spec.extra['imported'].get('from', spec.where))}")
    return None


def source_key(spec: Spec) -> str:
    """A hash of the YAML the page shows, for the page cache (a comment edit changes it)."""
    import hashlib
    found = spec_text(spec)
    return hashlib.sha256((found[0] if found else "").encode("utf-8")).hexdigest()[:20]


def spec_yaml_section(d) -> str:
    """``## Spec``: the YAML folded away, a download link and the spec-format reference."""
    found = spec_text(d.spec)
    ref = f"Every key and layer kind is described in the [spec format]({SPEC_FORMAT}) reference."
    if found is None:
        return "\n".join(["## Spec", "", "This spec was made in memory, not read from a file. " + ref])
    text, where = found
    name = f"{d.slug}.yaml"   # the page slug: safe in a link, unlike any file name
    target = d.fig_dir / name
    write_if_changed(target, text.encode("utf-8"))
    d.written.append(target)
    return "\n".join([
        "## Spec", "",
        f"The page is generated from {where}. {ref}", "",
        f'??? note "The spec as YAML ({len(text.splitlines())} lines)"', "",
        md.indent(md.code_block(text, "yaml")), "",
        f"[Download {md.text(name)}](figures/{d.slug}/{name})"])

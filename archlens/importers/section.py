"""The ``imported:`` section an import writes: where the spec came from, and the module path
of every layer whose name is not its path (``layer1_0_conv1: layer1.0.conv1``), so the
original model's ``state_dict`` loads into the built spec. Checked when a spec loads; no torch.
"""
from __future__ import annotations

from archlens.errors import SpecError
from archlens.spec.model import Spec
from archlens.spec.sections import register_section_check

KEYS = ("from", "modules")


def check_imported(spec: Spec) -> dict:
    section = spec.extra["imported"]
    if not isinstance(section, dict) or any(k not in KEYS for k in section):
        raise SpecError(f"imported must be a mapping with keys {', '.join(KEYS)}", file=spec.where)
    modules = section.get("modules") or {}
    if not isinstance(modules, dict) or not all(isinstance(v, str) for v in modules.values()):
        raise SpecError("imported.modules must map layer names to module paths", file=spec.where)
    names = {layer.name for layer in spec.layers}
    for layer in modules:
        if layer not in names:
            raise SpecError(f"imported.modules names no layer '{layer}'", file=spec.where)
    return modules


def module_paths(spec: Spec) -> dict[str, str]:
    """{spec layer: module path of the imported model} (a layer not listed has its own name)."""
    return dict((spec.extra.get("imported") or {}).get("modules") or {})


register_section_check("imported", check_imported)  # checked when a spec loads

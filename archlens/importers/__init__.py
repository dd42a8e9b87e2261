"""nn.Module -> Spec through torch.fx: the other way into archlens.

``from_module(model, input=(3, 224, 224))`` traces a model (``torch.fx`` symbolic tracing;
shapes from the kinds' own rules, meta tensors for the rest, no real forward: ``shapes.py``),
maps every traced op to a layer kind through the table in ``table.py`` and returns a
validated ``Spec``. ``import_target``
does the same for a ``file.py:callable`` or ``package.module:callable`` TARGET. Importing this
package loads no torch; the functions load it on first use.
"""
from __future__ import annotations

from typing import Any

__all__ = ["from_module", "import_target", "is_target"]


def __getattr__(name: str) -> Any:   # lazy: `archlens profile FILE.yaml` never loads torch
    if name == "from_module":
        from archlens.importers.api import from_module
        return from_module
    if name == "import_target":
        from archlens.importers.api import import_target
        return import_target
    if name == "is_target":
        from archlens.importers.target import is_target
        return is_target
    raise AttributeError(name)

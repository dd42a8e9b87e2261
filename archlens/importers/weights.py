"""The imported model's ``state_dict`` for the built spec: keys renamed by the ``imported:``
section's module paths (``layer1.0.conv1.weight`` -> ``layer1_0_conv1.weight``)."""
from __future__ import annotations

from archlens.importers.section import module_paths
from archlens.spec.load import load_spec


def spec_state_dict(spec, state_dict: dict) -> dict:
    """``state_dict`` of the original model, keyed as ``build_model(spec)`` names its tensors."""
    layers = {path: layer for layer, path in module_paths(load_spec(spec)).items()}
    out = {}
    for key, value in state_dict.items():
        module, _, leaf = key.rpartition(".")
        out[f"{layers.get(module, module)}.{leaf}"] = value
    return out

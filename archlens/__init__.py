"""archlens: architecture specs -> runnable PyTorch models, explained exactly.

The analysis API imports no torch; ``build_model`` and ``verify`` load it on first use.
"""
from typing import Any

from archlens.errors import ArchlensError, SpecError
from archlens.core.profile import ModelProfile, profile
from archlens.spec.model import Spec
from archlens.spec.load import bundled_specs, load_spec
from archlens.detection import config as _detection_config  # noqa: F401  (registers the detection: check)
from archlens.importers import section as _imported_section  # noqa: F401  (registers the imported: check)

__all__ = ["ArchlensError", "ModelProfile", "Spec", "SpecError", "build_model",
           "bundled_specs", "load_spec", "profile", "verify"]


def __getattr__(name: str) -> Any:  # lazy: keep `import archlens` free of torch
    if name == "build_model":
        from archlens.nn.build import build_model
        return build_model
    if name == "verify":
        from archlens.verification.oracle import verify
        return verify
    raise AttributeError(name)

"""archlens: architecture specs -> runnable PyTorch models, explained exactly.

The analysis API imports no torch; ``build_model`` and ``verify`` load it on first use.
"""
import sys
from typing import Any, Sequence

from archlens.errors import ArchlensError, SpecError
from archlens.core import profile as _profile
from archlens.core.profile import ModelProfile
from archlens.spec.model import Spec
from archlens.spec.load import bundled_specs, load_spec
from archlens.detection import config as _detection_config  # noqa: F401  (registers the detection: check)
from archlens.importers import section as _imported_section  # noqa: F401  (registers the imported: check)

__all__ = ["ArchlensError", "ModelProfile", "Spec", "SpecError", "build_model",
           "bundled_specs", "from_module", "load_spec", "profile", "verify"]


def profile(spec, input: Sequence[int] | None = None, dtype: str = "float32",
            width: float = 1.0) -> ModelProfile:
    """Profile ``spec`` (a name, path, Spec, or an ``nn.Module``, imported at ``input`` through
    torch.fx) at ``input`` (C, H, W) or its native size."""
    if _is_module(spec):
        from archlens.importers.api import DEFAULT_INPUT, from_module
        spec, input = from_module(spec, input or DEFAULT_INPUT), None
    return _profile.profile(spec, input, dtype, width)


profile.__wrapped__ = _profile.profile


def _is_module(obj) -> bool:
    torch = sys.modules.get("torch")   # a module can only exist once torch is loaded
    return torch is not None and isinstance(obj, torch.nn.Module)


def __getattr__(name: str) -> Any:  # lazy: keep `import archlens` free of torch
    if name == "build_model":
        from archlens.nn.build import build_model
        return build_model
    if name == "from_module":
        from archlens.importers.api import from_module
        return from_module
    if name == "verify":
        from archlens.verification.oracle import verify
        return verify
    raise AttributeError(name)

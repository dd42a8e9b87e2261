"""archlens: architecture specs -> runnable PyTorch models, explained exactly.

The analysis API imports no torch; ``build_model`` and ``verify`` load it on first use.
"""
from .errors import ArchlensError, SpecError
from .profile import ModelProfile, profile
from .spec import Spec, bundled_specs, load_spec

__all__ = ["ArchlensError", "ModelProfile", "Spec", "SpecError", "build_model",
           "bundled_specs", "load_spec", "profile", "verify"]


def __getattr__(name):  # lazy: keep `import archlens` free of torch
    if name == "build_model":
        from .build import build_model
        return build_model
    if name == "verify":
        from .verification import verify
        return verify
    raise AttributeError(name)

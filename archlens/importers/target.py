"""TARGET: ``path/to/file.py:callable`` or ``package.module:callable``, resolved to a module.

The callable takes no arguments and returns an ``nn.Module`` (a class, a factory); the name
may also be an attribute that already is one (``models:backbone``). ``is_target`` loads no
torch, so the CLI can tell a TARGET from a spec name or YAML path for free.
"""
from __future__ import annotations

import importlib
import importlib.util
import re
import sys
from pathlib import Path

from archlens.errors import SpecError, quoted

_TARGET = re.compile(r"(?P<where>[^:]+):(?P<attr>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)")
_DOTTED = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def is_target(ref) -> bool:
    """True for ``file.py:name`` or ``package.module:name`` that is not an existing file."""
    if not isinstance(ref, str) or Path(ref).exists():
        return False
    match = _TARGET.fullmatch(ref)
    if not match:
        return False
    where = match["where"]
    return where.endswith(".py") or bool(_DOTTED.fullmatch(where))


def split(ref: str) -> tuple[str, str]:
    match = _TARGET.fullmatch(ref)
    if not match:
        raise SpecError(f"TARGET must look like path/to/file.py:callable or "
                        f"package.module:callable, got {quoted(ref)}")
    return match["where"], match["attr"]


def load_target(ref: str):
    """The ``nn.Module`` that TARGET names (calling it when it is a class or factory)."""
    import torch.nn as nn
    where, attr = split(ref)
    obj = _attribute(_import(where, ref), attr, ref)
    if not isinstance(obj, nn.Module):
        if not callable(obj):
            raise SpecError(f"'{attr}' is a {type(obj).__name__}, neither an nn.Module nor a "
                            f"callable that returns one", file=ref)
        obj = _call(obj, attr, ref)
    if not isinstance(obj, nn.Module):
        raise SpecError(f"'{attr}()' returned a {type(obj).__name__}, not an nn.Module", file=ref)
    return obj


def _import(where: str, ref: str):
    try:
        if where.endswith(".py"):
            return _import_file(Path(where), ref)
        return importlib.import_module(where)
    except SpecError:
        raise
    except ModuleNotFoundError as exc:
        raise SpecError(f"cannot import '{where}': {exc}", file=ref) from None
    except Exception as exc:   # the user's code raised while it loaded
        raise SpecError(f"importing '{where}' failed: {type(exc).__name__}: {exc}", file=ref) from None


def _import_file(path: Path, ref: str):
    if not path.is_file():
        raise SpecError(f"no such Python file '{path}'", file=ref)
    name = "archlens_target_" + re.sub(r"\W", "_", str(path.resolve()))
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module          # dataclasses and pickling look modules up by name
    sys.path.insert(0, str(path.resolve().parent))   # the file's own imports of its neighbours
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.resolve().parent))
    return module


def _attribute(module, attr: str, ref: str):
    obj = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            from archlens.core.kinds.args import suggest
            names = [n for n in dir(obj) if not n.startswith("_")]
            raise SpecError(f"'{getattr(obj, '__name__', attr)}' has no attribute '{part}'"
                            f"{suggest(part, names)}", file=ref)
        obj = getattr(obj, part)
    return obj


def _call(factory, attr: str, ref: str):
    """``factory()``, built on the meta device where it can be (shapes and counts need no
    weights: ResNet-50's initialisation alone takes longer than its import), else as is."""
    import torch
    try:
        with torch.device("meta"):
            return factory()
    except Exception:   # a factory that loads or computes real weights: build it normally
        pass
    try:
        return factory()
    except TypeError as exc:
        raise SpecError(f"'{attr}()' must take no arguments ({exc})", file=ref) from None
    except Exception as exc:
        raise SpecError(f"'{attr}()' raised {type(exc).__name__}: {exc}", file=ref) from None

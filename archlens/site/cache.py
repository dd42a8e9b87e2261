"""A cache of expensive per-spec results (cross-checks, quick training runs).

Keyed by a hash of the resolved spec (so an edited backbone invalidates its users too), the
archlens version and the source of the analysis code the result depends on. Entries are JSON
files under a gitignored folder; a corrupt entry is recomputed.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import Callable

from archlens.files import write_bytes_atomically, write_text_atomically
from archlens.spec.model import Spec

PACKAGE = Path(__file__).resolve().parents[1]
# The code a cached result depends on: the core analysis, the layer kinds, detection, training
# (its recipe records, its tasks and the data they generate: a cached quick run must change when
# they do).
CODE = ("spec.py", "shorthand.py", "yamlio.py", "recipes.py", "graph.py", "geometry.py", "profile.py",
        "build.py", "nn*.py", "footprint.py", "verification.py", "kinds/*.py", "detection/*.py",
        "train/*.py", "train/tasks/*.py", "data/*.py")


def _fingerprint(patterns: tuple[str, ...]) -> str:
    """SHA-256 over the names and bytes of the package files matching ``patterns``."""
    digest = hashlib.sha256()
    for pattern in patterns:
        for path in sorted(PACKAGE.glob(pattern)):
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    return _fingerprint(CODE)


@lru_cache(maxsize=1)
def version() -> str:
    """archlens' installed version (pyproject.toml); part of every key."""
    from importlib.metadata import PackageNotFoundError, version as dist_version
    try:
        return dist_version("archlens")
    except PackageNotFoundError:
        return "unknown"


# The spec fields each cached result depends on: prose (title, description, source) is not
# among them, so editing a description re-renders the page without re-running torch.
DEPENDS = {
    "crosscheck": ("input", "layers", "num_classes"),
    "convolutionalize": ("input", "layers", "num_classes"),
    "training": ("input", "layers", "num_classes", "task", "train"),
}


def spec_key(spec: Spec, what: str) -> str:
    """Identity of ``what`` (e.g. 'crosscheck') for this spec's content, version and code."""
    fields = DEPENDS.get(what)
    if fields is None:
        # where the file lives is not its content: a copy elsewhere shares the results
        resolved = repr(dataclasses.replace(spec, path=None, display="", backbone=None))
    else:
        resolved = repr([getattr(spec, f) for f in fields])
    text = "\n".join([what, version(), code_fingerprint(), resolved])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _result_path(cache_dir: Path, spec: Spec, what: str) -> Path:
    return Path(cache_dir) / what / f"{spec_key(spec, what)}.json"


def is_cached(cache_dir: Path, spec: Spec, what: str) -> bool:
    return _result_path(cache_dir, spec, what).is_file()


def cached(cache_dir: Path, spec: Spec, what: str, compute: Callable[[], dict | None]) -> dict | None:
    """The cached result for (spec, what), computing and storing it on a miss."""
    path = _result_path(cache_dir, spec, what)
    if path.is_file():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
    result = compute()
    if result is not None:   # a unique temporary name: train_missing writes from several threads
        path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(result, indent=1, sort_keys=True).encode("utf-8")
        write_bytes_atomically(path, text)
    return result


# What a generated page depends on besides its spec: the site and render code and templates,
# and the recorded runs (the concept pages and their figures show some: k-fold, bias-variance,
# R-CNN against SPPNet timings).
SITE_CODE = ("*.py", "kinds/*.py", "site/*.py", "site/templates/*/*.j2", "site/templates/*.j2",
             "render/*.py", "render/templates/*", "render/static/*", "specs/recorded/*/metrics.json")


@lru_cache(maxsize=1)
def site_fingerprint() -> str:
    return _fingerprint(SITE_CODE)


def _sha(path: Path) -> str:
    return _digest(path.read_bytes())


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def reuse(cache_dir: Path, key: str, root: Path) -> list[Path] | None:
    """The files an earlier run wrote for ``key`` under ``root``: those still as written are
    left alone, missing or changed ones are restored from the cache's copies (so a fresh docs
    folder reuses the pages another one drew). None where a copy is missing or damaged."""
    manifest = Path(cache_dir) / "pages" / f"{key}.json"
    try:
        files = json.loads(manifest.read_text(encoding="utf-8"))
        paths = {root / rel: sha for rel, sha in files.items()}
        stale = {p: _blob(cache_dir, sha) for p, sha in paths.items()
                 if not (p.is_file() and _sha(p) == sha)}
        if any(data is None for data in stale.values()):
            return None
    except (OSError, ValueError, AttributeError):
        return None
    for path, data in stale.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomically(path, data)
    return list(paths)


def remember(cache_dir: Path, key: str, root: Path, paths: list[Path]) -> None:
    """The manifest of ``key`` (each file's path under ``root`` and hash), and a copy of each
    file under blobs/, stored by its hash."""
    manifest = Path(cache_dir) / "pages" / f"{key}.json"
    manifest.parent.mkdir(parents=True, exist_ok=True)
    files = {}
    for path in paths:
        data = path.read_bytes()
        files[path.relative_to(root).as_posix()] = sha = _digest(data)
        blob = _blob_path(cache_dir, sha)
        if not blob.is_file():
            blob.parent.mkdir(parents=True, exist_ok=True)
            write_bytes_atomically(blob, data)
    write_text_atomically(manifest, json.dumps(files, indent=1, sort_keys=True))


def _blob_path(cache_dir: Path, sha: str) -> Path:
    return Path(cache_dir) / "blobs" / sha[:2] / sha


def _blob(cache_dir: Path, sha: str) -> bytes | None:
    """The cached copy with hash ``sha``, or None (missing, or not what its name says)."""
    try:
        data = _blob_path(cache_dir, sha).read_bytes()
    except OSError:
        return None
    return data if _digest(data) == sha else None


def page_key(*parts: str) -> str:
    text = "\n".join([version(), site_fingerprint(), *parts])
    return hashlib.sha256(text.encode()).hexdigest()[:20]

"""Which files under a docs folder the site generator owns: only those may be replaced or deleted.

``generate_site`` writes ``DOCS/index.md`` and everything under ``DOCS/generated/``, and removes
generated files a previous run wrote that this run did not. Before it writes anything, every file
already there is checked against the manifest ``DOCS/.archlens-site.json`` (a dot file, so MkDocs
does not publish it): the path and SHA-256 of every file the last run wrote. A file that is not
listed, or was edited since, is the user's: it is neither replaced nor deleted unless ``force``.
A docs folder from before manifests is adopted when its ``generated/nav.yml`` is one we wrote.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from archlens.files import OutputError, write_text_atomically

MANIFEST = ".archlens-site.json"
_SHOWN = 4


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _recorded(docs_dir: Path) -> dict[str, str] | None:
    try:
        doc = json.loads((docs_dir / MANIFEST).read_text(encoding="utf-8"))
        files = doc["files"]
        return {str(k): str(v) for k, v in files.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _legacy(docs_dir: Path, generated: str) -> bool:
    """A docs folder generated before manifests: its nav.yml is the nav we write."""
    try:
        nav = yaml.safe_load((docs_dir / generated / "nav.yml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return False
    return isinstance(nav, list) and bool(nav) and nav[0] == {"Home": "index.md"}


def targets(docs_dir: Path, generated: str) -> list[Path]:
    """Every existing file the generator may replace or delete."""
    files = [docs_dir / "index.md"] if (docs_dir / "index.md").exists() else []
    root = docs_dir / generated
    if root.is_dir():
        files += sorted(p for p in root.rglob("*") if not p.is_dir())
    return files


def check_owned(docs_dir: Path, generated: str, force: bool) -> None:
    """Refuse (``OutputError``) to go on while a target file is not the generator's own."""
    docs_dir = Path(docs_dir)
    if docs_dir.exists() and not docs_dir.is_dir():
        raise OutputError(f"{docs_dir}: --docs is a file, not a folder")
    for path in (docs_dir / generated, docs_dir / "index.md"):
        if path.is_symlink() or (path.name == generated and path.exists() and not path.is_dir()):
            raise OutputError(f"{path}: a link or a file where archlens site writes its pages; "
                              f"move it away")
    if force:
        return
    recorded = _recorded(docs_dir)
    if recorded is None and _legacy(docs_dir, generated):
        return
    recorded = recorded or {}
    foreign = [p for p in targets(docs_dir, generated)
               if p.is_symlink() or recorded.get(p.relative_to(docs_dir).as_posix()) != _sha(p)]
    if foreign:
        raise OutputError(f"{docs_dir}: archlens site would replace or delete files it did not "
                          f"write (or that were edited since): {listed(foreign, docs_dir)}; move them away, "
                          f"or pass --force to replace them")


def listed(paths: list[Path], root: Path) -> str:
    """The first few of ``paths``, relative to ``root``, and how many more there are."""
    names = ", ".join(p.relative_to(root).as_posix() for p in paths[:_SHOWN])
    return names + (f" and {len(paths) - _SHOWN} more" if len(paths) > _SHOWN else "")


def foreign_files(root: Path) -> list[Path]:
    """Files under ``root`` that its manifest does not list with their current content."""
    recorded = _recorded(root) or {}
    return [p for p in sorted(root.rglob("*")) if not p.is_dir() and p.name != MANIFEST and
            (p.is_symlink() or recorded.get(p.relative_to(root).as_posix()) != _sha(p))]


def record(docs_dir: Path, written: list[Path]) -> None:
    """Write the manifest: every file this run wrote, with its SHA-256."""
    docs_dir = Path(docs_dir)
    files = {p.relative_to(docs_dir).as_posix(): _sha(p) for p in sorted(set(written))}
    doc = {"archlens": "files written by `archlens site`; only these are replaced or deleted",
           "files": files}
    text = json.dumps(doc, indent=1, sort_keys=True) + "\n"
    path = docs_dir / MANIFEST
    if not (path.is_file() and path.read_text(encoding="utf-8") == text):   # no churn on reruns
        write_text_atomically(path, text)

"""The folders say the pipeline: spec -> core -> {nn, verification} -> {teach, render, site, train}.
core is pure arithmetic: it imports no torch or numpy, and nothing above it at module level."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ARCHLENS = Path(__file__).resolve().parent.parent / "archlens"
# What each layer may import when a module loads: itself and the layers below it.
BELOW = {"spec": ("archlens.spec", "archlens.core", "archlens.errors", "archlens.files"),
         "core": ("archlens.core", "archlens.spec", "archlens.errors")}


def _imports(path: Path, inside_functions: bool = False) -> list[str]:
    """The file's absolute imports: at module level (a kind's build() imports torch when
    called), or anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = []
    for node in (ast.walk(tree) if inside_functions else tree.body):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names += [a.name for a in node.names]
    return names


def test_spec_and_core_never_reach_up_when_they_load():
    reaching = {f"{p.relative_to(ARCHLENS)}: {name}"
                for layer, allowed in BELOW.items()
                for p in sorted((ARCHLENS / layer).rglob("*.py"))
                for name in _imports(p)
                if name.startswith("archlens") and not name.startswith(allowed)}
    assert reaching == set()


def test_spec_never_reaches_up_even_inside_a_function():
    """A section owned above (detection:) is checked through archlens.spec.sections instead."""
    reaching = {f"{p.relative_to(ARCHLENS)}: {name}"
                for p in sorted((ARCHLENS / "spec").rglob("*.py"))
                for name in _imports(p, inside_functions=True)
                if name.startswith("archlens") and not name.startswith(BELOW["spec"])}
    assert reaching == set()


def test_owned_sections_register_their_checks_on_import():
    code = ("import archlens.spec.load; from archlens.spec.sections import SECTION_CHECKS; "
            "print(sorted(SECTION_CHECKS))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['detection', 'imported']"


def test_the_analysis_imports_no_torch_or_numpy():
    code = ("import sys, archlens; p = archlens.profile('fcn8s'); assert p.totals.params > 0; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'numpy'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

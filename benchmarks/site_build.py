"""Time the documentation site build: from clean, after one spec edit, and bare mkdocs.

    python benchmarks/site_build.py            # all cases
    python benchmarks/site_build.py --no-train # skip case 1 (it trains every spec: minutes)

Works in temporary folders (docs/, cache and copies of specs), so the repository is untouched:
1. from clean, quick training included: `archlens site` on copies of the bundled specs (a copy
   is a user's spec: no recorded run applies) with an empty cache, so it cross-checks every
   spec and trains every quick recipe, then `mkdocs build --strict`;
2. from clean with the recorded runs (archlens/specs/recorded/): what `make site` does after
   installation;
3. after one spec edit: the description of one spec (a copy, beside the other bundled ones)
   changes, then the same two commands (no training: the prose is not part of the recipe);
4. after one layer edit: a dropout rate changes, so that spec is verified against torch again;
5. bare `mkdocs build --strict` of the same generated pages, for comparison;
6. the concept pages alone (`write_concept_pages` into an empty folder: every figure drawn).
Targets (2 cores): (1) under 8 minutes (issue 12; the 5 minutes first asked for cannot hold
beside issue 5's recipe targets), (3) under 10 seconds, (6) under 20 seconds. These figures
live here, not in tests: a loaded or slower machine must not fail the suite.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from archlens.site.build import build_html, site_config  # noqa: E402
from archlens.spec.load import SPECS_DIR, bundled_specs  # noqa: E402

EDITED = "vgg11.yaml"   # a copy of the bundled file, edited
TRAINED = "from clean, quick training included"
CONCEPTS = "concept pages alone (every figure drawn)"
TARGETS = {TRAINED: 480.0, "after one spec edit (generate + mkdocs)": 10.0, CONCEPTS: 20.0}


def generate(specs: list, docs: Path, cache: Path, train: bool = True) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "archlens", "site", *map(str, specs), "--docs", str(docs),
                    "--cache", str(cache), *([] if train else ["--no-train"])],
                   cwd=REPO, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def mkdocs(config: Path, site: Path) -> float:
    start = time.perf_counter()
    build_html(config, site)
    return time.perf_counter() - start


def edit(spec: Path, old: str, new: str) -> None:
    text = spec.read_text(encoding="utf-8")
    assert old in text, f"{spec.name}: '{old}' not found"
    spec.write_text(text.replace(old, new, 1), encoding="utf-8")


def trained_from_clean(tmp: Path) -> tuple[float, float]:
    """Case 1 in its own copy: no recorded runs, so every quick recipe trains."""
    shutil.copytree(SPECS_DIR, tmp / "specs", ignore=shutil.ignore_patterns("recorded"))
    specs = sorted((tmp / "specs").glob("*.yaml"))
    config = site_config(tmp / "docs", tmp / "mkdocs.yml")
    gen = generate(specs, tmp / "docs", tmp / "cache")
    return gen, mkdocs(config, tmp / "site")


def concept_pages(tmp: Path) -> float:
    from archlens.site.concepts import write_concept_pages
    start = time.perf_counter()
    write_concept_pages(tmp / "concepts")
    return time.perf_counter() - start


def main(args: list[str]) -> None:
    rows = []
    if "--no-train" not in args:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append((TRAINED, *trained_from_clean(Path(tmp))))
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        config = site_config(tmp / "docs", tmp / "mkdocs.yml")
        gen = generate(bundled_specs(), tmp / "docs", tmp / "cache")
        rows.append(("from clean, recorded runs (make site)", gen, mkdocs(config, tmp / "site")))
        edited = tmp / EDITED
        shutil.copy(SPECS_DIR / EDITED, edited)
        specs = [edited if s == edited.stem else s for s in bundled_specs()]
        generate(specs, tmp / "docs", tmp / "cache", train=False)   # the copy's first pages
        edit(edited, "description: >\n", "description: >\n  (edited for the benchmark)\n")
        gen = generate(specs, tmp / "docs", tmp / "cache", train=False)
        rows.append(("after one spec edit (generate + mkdocs)", gen, mkdocs(config, tmp / "site")))
        edit(edited, "p: 0.5", "p: 0.4")
        gen = generate(specs, tmp / "docs", tmp / "cache", train=False)
        rows.append(("after one layer edit (re-verify + mkdocs)", gen, mkdocs(config, tmp / "site")))
        rows.append(("bare mkdocs build (same pages)", 0.0, mkdocs(config, tmp / "site")))
        rows.append((CONCEPTS, concept_pages(tmp), 0.0))
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"site build, {len(specs)} specs, {os.cpu_count()} cores, load average {load:.1f}")
    print(f"{'case':<42}{'generate':>10}{'mkdocs':>10}{'total':>10}  target")
    for name, g, m in rows:
        target = TARGETS.get(name)
        verdict = "" if target is None else f"< {target:.0f} s: {'ok' if g + m < target else 'MISSED'}"
        print(f"{name:<42}{g:>9.1f}s{m:>9.1f}s{g + m:>9.1f}s  {verdict}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Generate the whole documentation site's Markdown from specs, deterministically.

``generate_site`` writes, under ``docs_dir``: ``index.md`` (home), ``generated/concepts/``,
``generated/models/`` (index + one page per spec, figures), ``generated/assets/`` (the vendored
scripts, styles and fonts the base config loads) and ``generated/nav.yml``, which the MkDocs
plugin (``plugin.py``) hands to MkDocs. Files are only rewritten when their bytes
change and stale generated files are removed, so a second run changes nothing; a file there
that the generator did not write is neither replaced nor deleted without ``force``
(``outputs.py`` keeps the manifest ``.archlens-site.json``). Expensive
results (cross-checks, quick training) are cached by spec content under ``cache_dir``.
``build_html`` then runs ``mkdocs build --strict``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Collection

import yaml

from archlens.errors import ArchlensError, SpecError
from archlens.files import make_folder, write_if_changed, write_text_atomically
from archlens.core.profile import profile
from archlens.site import cache, outputs, results
from archlens.site.mdtext import label, slug
from archlens.site.spec_page import PageData, render_page
from archlens.site.spec_source import source_key
from archlens.site.worksheet_section import EXERCISES
from archlens.spec.load import bundled_specs, load_spec

# Relative to the working directory: `make site` runs in the repository, a user in their folder.
DOCS = Path("docs")
CACHE = Path("build") / "site-cache"
BASE_CONFIG = Path(__file__).resolve().parent / "mkdocs_base.yml"   # package data
ASSETS = Path(__file__).resolve().parent / "assets"   # vendored, each with its licence beside it
GENERATED = "generated"
NAV_FILE = "nav.yml"
SPEC_FORMAT = "spec-format.md"   # the reference of spec keys and layer kinds (spec_format.py)
# Page names the site uses itself beside the spec pages (generated/models/): a spec whose page
# slug is one of these would replace the model index or collide with the figures folder.
RESERVED_PAGES = {"index": "the model index page", "figures": "the figures folder"}
TASK_TITLES = {"classification": "Classification", "regression": "Regression",
               "segmentation": "Segmentation", "detection": "Detection"}


@dataclass(frozen=True)
class SiteResult:
    pages: int            # Markdown pages written (home, index, models, concepts)
    written: list[Path]   # every generated file
    seconds: float


def _load_all(refs) -> list:
    specs = [load_spec(r) for r in refs]
    seen: dict[str, str] = {}
    for s in specs:
        key = slug(s.name)
        if key in RESERVED_PAGES:
            raise SpecError(f"name '{s.name}' is reserved: its page '{key}.md' would replace "
                            f"{RESERVED_PAGES[key]}; rename the spec", file=s.display or None)
        if key in seen:
            raise SpecError(f"specs '{seen[key]}' and '{s.name}' would share the page '{key}.md'",
                            file=s.display or None)
        seen[key] = s.name
    return specs


def _spec_pages(specs, docs_dir: Path, cache_dir: Path, crosscheck: bool, log):
    models = docs_dir / GENERATED / "models"
    pages = []
    for s in specs:
        start = time.perf_counter()
        d = PageData(s, profile(s), slug(s.name), models, cache_dir=cache_dir)
        run = crosscheck if isinstance(crosscheck, bool) else s.name in crosscheck
        d.crosscheck = results.crosscheck(s, cache_dir, run)
        d.training = results.training(s, cache_dir)
        path = models / f"{d.slug}.md"
        # A page whose spec, results and site code are unchanged is not drawn again.
        # (the file's text too: the page shows it, comments included, which the Spec drops)
        key = cache.page_key(cache.spec_key(s, "page"), d.slug, source_key(s),
                             json.dumps([d.crosscheck, d.training], sort_keys=True))
        reused = cache.reuse(cache_dir, key, docs_dir)
        if reused is None:
            write_if_changed(path, render_page(d).encode("utf-8"))
            cache.remember(cache_dir, key, docs_dir, [path, *d.written])
        else:
            d.written = [p for p in reused if p != path]
        pages.append((d, path))
        log(f"  {s.name:<20} {time.perf_counter() - start:5.1f} s{' (unchanged)' if reused else ''}")
    return pages


def _concept_pages(generated: Path, docs_dir: Path, cache_dir: Path, specs) -> list[Path]:
    """The concept pages; they link to the model pages of ``specs`` only."""
    from archlens.site.concept_uses import model_uses
    from archlens.site.concepts import write_concept_figures, write_concept_pages
    models, uses = frozenset(slug(s.name) for s in specs), model_uses(specs)
    key = cache.page_key("concepts", *sorted(models), json.dumps(uses, sort_keys=True))
    reused = cache.reuse(cache_dir, key, docs_dir)
    if reused is not None:
        return reused
    # the figures depend on neither the models nor their uses: another site's are reused
    figures_key = cache.page_key("concept-figures")
    figures = cache.reuse(cache_dir, figures_key, docs_dir)
    if figures is None:
        figures = write_concept_figures(generated / "concepts")
        cache.remember(cache_dir, figures_key, docs_dir, figures)
    written = write_concept_pages(generated / "concepts", models, uses, figures)
    cache.remember(cache_dir, key, docs_dir, written)
    return written


def _nav(pages, concept_pages) -> list:
    by_task: dict[str, list] = {}
    for d, _ in pages:
        by_task.setdefault(d.spec.task, []).append({label(d.spec.name): f"{GENERATED}/models/{d.slug}.md"})
    tasks = [{label(TASK_TITLES.get(t, t.capitalize())): by_task[t]} for t in sorted(by_task)]
    concepts = [{"Overview" if p.slug == "index" else p.title: f"{GENERATED}/concepts/{p.slug}.md"}
                for p in concept_pages]
    # each model's worksheet in exercise mode (site/worksheet_section.py), in the models' order
    exercises = [{label(d.spec.name): f"{GENERATED}/{EXERCISES}/{d.slug}.md"}
                 for d, _ in sorted(pages, key=lambda page: page[0].spec.task)]
    return [{"Home": "index.md"},
            {"Models": [{"Model index": f"{GENERATED}/models/index.md"}, *tasks]},
            {"Concepts": concepts},
            {"Exercises": exercises},
            {"Spec format": f"{GENERATED}/{SPEC_FORMAT}"}]


def generate_site(specs=None, docs_dir: Path = DOCS, cache_dir: Path = CACHE, train: bool = True,
                  crosscheck: bool | Collection[str] = True, log=lambda msg: None,
                  force: bool = False) -> SiteResult:
    """Write every page of the site for ``specs`` (names or paths; default: the bundled ones).

    ``train``: run the quick recipe where no result is cached or recorded. ``crosscheck``:
    verify every spec, none, or the named ones; a cached result is shown either way.
    Files in ``docs_dir`` the generator did not write are never replaced or deleted unless
    ``force`` (``outputs.py``).
    """
    from archlens.site.concepts import PAGES
    from archlens.site.index import home_page, models_page
    from archlens.site.spec_format import spec_format_page
    start = time.perf_counter()
    docs_dir, generated = Path(docs_dir), Path(docs_dir) / GENERATED
    loaded = _load_all(bundled_specs() if specs is None else specs)
    outputs.check_owned(docs_dir, GENERATED, force)   # before anything is written
    results.check_recorded(loaded)
    make_folder(docs_dir, "--docs")
    make_folder(cache_dir, "--cache")
    written = _concept_pages(generated, docs_dir, Path(cache_dir), loaded) + _assets(generated)
    written += _write(generated / SPEC_FORMAT, spec_format_page())
    if train:   # all quick runs first, several at a time; the pages then read them from the cache
        results.train_missing(loaded, Path(cache_dir), log)
    pages = _spec_pages(loaded, docs_dir, Path(cache_dir), crosscheck, log)
    for d, path in pages:
        written += [path, *d.written]
    entries = [(d.profile, f"{d.slug}.md") for d, _ in pages]
    text, figures = models_page(entries, generated / "models")
    written += figures + _write(generated / "models" / "index.md", text)
    written += _write(docs_dir / "index.md", home_page(
        [(d.profile, f"{GENERATED}/models/{d.slug}.md") for d, _ in pages],
        f"{GENERATED}/models/index.md", f"{GENERATED}/concepts/index.md"))
    nav = yaml.safe_dump(_nav(pages, PAGES), sort_keys=False, allow_unicode=True)
    written += _write(generated / NAV_FILE, nav)
    _remove_stale(generated, set(written))
    outputs.record(docs_dir, written)
    return SiteResult(sum(1 for p in written if p.suffix == ".md"), written,
                      time.perf_counter() - start)


def _assets(generated: Path) -> list[Path]:
    """The vendored assets, copied into the pages so any docs folder is a complete site."""
    written = []
    for src in sorted(p for p in ASSETS.rglob("*") if p.is_file()):
        target = generated / "assets" / src.relative_to(ASSETS)
        write_if_changed(target, src.read_bytes())
        written.append(target)
    return written


def _write(path: Path, text: str) -> list[Path]:
    write_if_changed(path, text.encode("utf-8"))
    return [path]


def _remove_stale(root: Path, keep: set[Path]) -> None:
    """Delete generated files a previous run wrote that this run did not (a removed spec)."""
    keep = {p.resolve() for p in keep}
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_file() and path.resolve() not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def read_nav(docs_dir: Path) -> list:
    """The nav ``generate_site`` wrote; a clear error when the site was never generated."""
    path = Path(docs_dir) / GENERATED / NAV_FILE
    if not path.is_file():
        raise ArchlensError(f"{path} not found: run `archlens site` (or `make site`) first")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def build_html(config: Path = Path("mkdocs.yml"), site_dir: Path | None = None) -> None:
    """``mkdocs build --strict`` on the generated pages."""
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "-f", str(Path(config).resolve())]
    if site_dir is not None:
        cmd += ["-d", str(Path(site_dir).resolve())]
    run = subprocess.run(cmd, cwd=Path(config).parent, capture_output=True, text=True,
                         env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    if run.returncode:
        sys.stderr.write(run.stdout + run.stderr)
        raise ArchlensError("mkdocs build --strict failed (its messages are above)")


def site_config(docs_dir: Path, path: Path, site_name: str = "archlens") -> Path:
    """A mkdocs.yml at ``path`` that builds ``docs_dir`` with the packaged base config."""
    doc = {"INHERIT": str(BASE_CONFIG), "site_name": site_name,
           "docs_dir": str(Path(docs_dir).resolve())}
    return write_text_atomically(path, yaml.safe_dump(doc, sort_keys=False))

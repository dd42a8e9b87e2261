"""``archlens site SPEC_OR_FOLDER... --out DIR``: a complete static site for anyone's specs.

Run in any folder, with no mkdocs.yml of the user's: the pages are generated into a temporary
folder beside ``DIR``, built there with the packaged base config (``mkdocs_base.yml``), and only
a finished build replaces ``DIR``: a spec error or a failed build leaves the previous site as it
was. ``DIR`` must be new, empty, or a site this command built whose files are unchanged (its
manifest ``.archlens-site.json`` lists them); anything else in it is the user's and is kept.
"""
from __future__ import annotations

import dataclasses
import shutil
import tempfile
import time
from pathlib import Path

from archlens.files import OutputError, os_reason, swap_folder_in
from archlens.site import outputs
from archlens.site.build import CACHE, SiteResult, build_html, generate_site, site_config
from archlens.spec.load import bundled_specs
from archlens.spec.model import Spec

SPEC_SUFFIXES = (".yaml", ".yml")


def spec_refs(given, base: Path = Path("."), with_bundled: bool = False) -> list[str]:
    """Spec files, bundled names and every spec in a named folder (sorted), relative to ``base``."""
    refs: list = []
    for ref in given:
        if isinstance(ref, Spec):   # imported in memory (archlens site file.py:callable)
            refs.append(ref)
            continue
        path = Path(base) / ref
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in SPEC_SUFFIXES and p.is_file())
            if not found:
                raise OutputError(f"{ref}: a folder with no spec files (*.yaml, *.yml)")
            refs += [str(p) for p in found]
        else:
            refs.append(str(path) if path.suffix in SPEC_SUFFIXES or path.exists() else ref)
    return refs + (bundled_specs() if with_bundled else [])


def check_target(out: Path, force: bool) -> None:
    """Refuse an ``--out`` that is a file, or a folder holding anything this command did not write."""
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: --out is a file; give a folder for the site")
    if out.is_dir() and not force:
        foreign = outputs.foreign_files(out)
        if foreign:
            raise OutputError(f"{out}: holds files archlens site did not build "
                              f"({outputs.listed(foreign, out)}); choose a new --out folder, "
                              f"or pass --force to replace it")


def build_site(refs, out: Path, *, site_name: str = "archlens", with_bundled: bool = False,
               train: bool = True, crosscheck: bool = True, cache_dir: Path = CACHE,
               force: bool = False, log=lambda msg: None) -> SiteResult:
    start, out = time.perf_counter(), Path(out)
    check_target(out, force)
    specs = spec_refs(refs, with_bundled=with_bundled)
    work = _work_folder(out)
    try:
        result = generate_site(specs, docs_dir=work / "docs", cache_dir=cache_dir, train=train,
                               crosscheck=crosscheck, log=log)
        build_html(site_config(work / "docs", work / "mkdocs.yml", site_name), work / "site")
        built = work / "site"
        outputs.record(built, [p for p in built.rglob("*") if p.is_file()])
        swap_folder_in(built, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return dataclasses.replace(result, seconds=time.perf_counter() - start)


def _work_folder(out: Path) -> Path:
    """A new temporary folder beside ``out`` (one file system: the finished site is renamed in)."""
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as exc:
        raise OutputError(f"{out}: --out: cannot create a folder in {out.parent} "
                          f"({os_reason(exc, out)})") from None


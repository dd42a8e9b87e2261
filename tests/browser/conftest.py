"""Build the documentation site once per session and drive it with a real browser.

Debian's /usr/bin/chromium is driven by pip ``playwright`` (``playwright install``
cannot download browsers here). Missing tools are an error, never a skip: run
``scripts/setup_system.sh`` to install them. Helpers live in site_harness.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from site_harness import (CHROMIUM, CHROMIUM_ARGS, DEFAULT_VIEWPORT, REPO, Tab, generate_docs,
                          give_back, open_tab)


@pytest.fixture(scope="session")
def site_dir(tmp_path_factory) -> Path:
    generate_docs()
    out = tmp_path_factory.mktemp("site")
    cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
           "-f", str(REPO / "mkdocs.yml"), "-d", str(out)]
    run = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    if run.returncode:
        pytest.fail(f"mkdocs build --strict failed:\n{run.stdout}\n{run.stderr}")
    return out


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: run scripts/setup_system.sh")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("pip package 'playwright' missing: pip install playwright")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def tab_pool(browser):
    """One open tab per (scheme, viewport) on this worker, lent to one test at a time.

    Opening a tab starts a renderer: a concept page cost 1.9 CPU-s in a fresh tab (or a new
    page of the same context) against 0.85 CPU-s in a tab that had already shown a page
    (measured on 2 AMD cores, 2026-12-02), and the browser folder loads ~200 pages."""
    pool: dict[tuple, Tab] = {}
    yield pool
    for tab in pool.values():
        tab.page.context.close()


@pytest.fixture
def tab_factory(browser, tab_pool):
    """``make(scheme, viewport)``: a tab with empty records, blank storage and nothing loaded
    yet. A tab is lent from the pool; ``fresh=True`` (for a test that changes the tab itself:
    its media, its viewport) or asking twice for the same kind gives a tab of its own."""
    lent: list[tuple] = []
    own: list[Tab] = []

    def make(scheme: str = "light", viewport: dict | None = None, fresh: bool = False) -> Tab:
        viewport = viewport or DEFAULT_VIEWPORT
        key = (scheme, viewport["width"], viewport["height"])
        if fresh or key in lent:
            own.append(open_tab(browser, scheme, viewport))
            return own[-1]
        tab = tab_pool.get(key) or open_tab(browser, scheme, viewport)
        tab_pool[key] = tab
        lent.append(key)
        tab.forget()
        return tab

    yield make
    for key in lent:
        if not give_back(tab_pool[key]):
            tab_pool.pop(key).page.context.close()
    for tab in own:
        tab.page.context.close()

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

from site_harness import CHROMIUM, CHROMIUM_ARGS, REPO, Tab, generate_docs, open_tab


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


@pytest.fixture
def tab_factory(browser):
    tabs: list[Tab] = []

    def make(scheme: str = "light", viewport: dict | None = None) -> Tab:
        tabs.append(open_tab(browser, scheme, viewport))
        return tabs[-1]

    yield make
    for tab in tabs:
        tab.page.context.close()

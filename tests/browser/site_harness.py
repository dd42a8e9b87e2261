"""Helpers for the browser tests: the offline guard, the nav, screenshots.

Debian's /usr/bin/chromium is driven by pip ``playwright`` (``playwright install``
cannot download browsers here). Every request is routed: anything that is not
file:, data:, blob: or loopback is aborted and recorded, so a page that would
need the internet fails its test. Missing tools are an error, never a skip:
run ``scripts/setup_system.sh`` to install them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("ARCHLENS_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
SCREENSHOTS = REPO / ".ci" / "artifacts" / "screenshots"
LOCAL_SCHEMES = {"file", "data", "blob"}
DEFAULT_VIEWPORT = {"width": 1280, "height": 900}
LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


# The browser test cross-checks these specs (the rest show their pages without that
# section), so a run from a clean checkout stays short; results are cached by spec content.
CROSSCHECKED = ("linear_regression", "mlp", "vgg16")
KEY_PAGES = {"home": "index.html", "vgg16": "generated/models/vgg16.html",
             "fcn8s": "generated/models/fcn8s.html", "sppnet_zf5": "generated/models/sppnet_zf5.html"}


def _walk_nav(items):
    for item in items:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            yield from _walk_nav(value)
        elif isinstance(value, str) and value.endswith(".md"):
            yield value


def generate_docs() -> None:
    """Write every generated page, as `archlens site --no-train` does (idempotent, cached).

    Every xdist worker collects this module, and collecting generates the pages (the nav names
    the tests), so generation holds a lock: one worker writes, the other then finds them done."""
    import fcntl

    from archlens.site.build import generate_site

    lock_path = REPO / "build" / ".browser-docs.lock"    # build/ is gitignored
    lock_path.parent.mkdir(exist_ok=True)
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        generate_site(train=False, crosscheck=CROSSCHECKED)


def nav_pages() -> list[str]:
    """Every page in the generated nav, as the .html path the build writes."""
    from archlens.site.build import read_nav

    generate_docs()
    return [md[:-3] + ".html" for md in _walk_nav(read_nav(REPO / "docs"))]


def is_local(url: str) -> bool:
    parsed = urlparse(url)
    if parsed.scheme in LOCAL_SCHEMES:
        return True
    return parsed.scheme in {"http", "https", "ws", "wss"} and parsed.hostname in LOOPBACK


@dataclass
class Tab:
    """A browser page plus everything it did that a test may object to."""

    page: object
    external: list[str] = field(default_factory=list)  # aborted non-local requests
    errors: list[str] = field(default_factory=list)  # console errors and uncaught exceptions
    failed: list[str] = field(default_factory=list)  # local requests that failed (404s)

    def forget(self) -> None:
        """Empty the records in place (the page's handlers hold these very lists)."""
        for record in (self.external, self.errors, self.failed):
            record.clear()


def _guard(route, tab: Tab) -> None:
    if is_local(route.request.url):
        route.continue_()
    else:
        tab.external.append(route.request.url)
        route.abort()


def open_tab(browser, scheme: str = "light", viewport: dict | None = None) -> Tab:
    context = browser.new_context(viewport=viewport or DEFAULT_VIEWPORT, color_scheme=scheme)
    tab = Tab(context.new_page())
    context.route("**/*", lambda route: _guard(route, tab))
    tab.page.on("console", lambda m: m.type == "error" and tab.errors.append(m.text))
    tab.page.on("pageerror", lambda e: tab.errors.append(f"uncaught: {e}"))
    tab.page.on("requestfailed", lambda r: is_local(r.url) and tab.failed.append(r.url))
    return tab


def give_back(tab: Tab) -> bool:
    """Make a used tab as good as new for the next test: forget what the page stored (the
    palette, the checker's answers) and leave it blank, so that nothing of this page (a late
    request, an error) lands in the next test's records. False if the tab is past saving."""
    try:
        if tab.page.url.startswith("file:"):
            tab.page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
        tab.page.goto("about:blank")
        return not tab.page.is_closed()
    except Exception:   # a crashed or closed page: the caller closes it and opens another
        return False


def screenshot(tab: Tab, name: str, full_page: bool = False) -> Path:
    """What the reader sees first (the viewport); ``full_page`` for the key pages only: a
    model page is tens of thousands of pixels tall, and encoding it as one PNG took seconds
    per page and theme."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    tab.page.screenshot(path=str(path), full_page=full_page)
    return path

"""Every internal link and anchor of a built site, checked on disk (no browser, no server).

Each href/src of every HTML page is resolved against the page's own location as a browser on
file:// would: the target file must exist and, for ``#anchor``, carry that id. Root-absolute
links (``/assets/...``) are dead on file:// and under a sub-path, so they count as dead too.
"""
from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

LINKING = {"a": "href", "link": "href", "img": "src", "script": "src", "source": "src"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        found = dict(attrs)
        self.ids.update(v for k, v in attrs if k in ("id", "name") and v)
        if tag in LINKING and found.get(LINKING[tag]):
            self.links.append(found[LINKING[tag]])


def dead_links(site: Path) -> list[str]:
    """'page -> href (why)' for every internal link that does not resolve."""
    site, parsed, dead = Path(site).resolve(), {}, []

    def page(path: Path) -> _Page:
        if path not in parsed:
            parsed[path] = _Page()
            parsed[path].feed(path.read_text(encoding="utf-8", errors="replace"))
        return parsed[path]

    for source in sorted(site.rglob("*.html")):
        for href in page(source).links:
            why = _problem(source, href, page)
            if why:
                dead.append(f"{source.relative_to(site).as_posix()} -> {href} ({why})")
    return dead


def _problem(source: Path, href: str, page) -> str | None:
    url = urlsplit(href)
    if url.scheme or url.netloc:       # external (the offline guard polices those) or data:
        return None
    if url.path.startswith("/"):
        return "root-absolute: dead on file://"
    target = (source.parent / unquote(url.path)).resolve() if url.path else source
    if target.is_dir():
        target = target / "index.html"
    if not target.is_file():
        return "no such file"
    if url.fragment and target.suffix == ".html" and unquote(url.fragment) not in page(target).ids:
        return f"no id {url.fragment!r} in {target.name}"
    return None

"""Shared helpers for the test modules (imported by name; pytest puts tests/ on sys.path)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_process(*args, **kw):
    """Run ``python -m archlens ...`` as a separate process."""
    return subprocess.run([sys.executable, "-m", "archlens", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, **kw)


URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "srcset"}


def script_urls(html: str) -> list[str]:
    """Every ``javascript:`` (or ``vbscript:``/``data:text/html``) URL in an attribute of ``html``,
    as a browser reads it: entities decoded, whitespace and control characters ignored, any case;
    and every event-handler attribute (``onclick=...``). Used on pages built from hostile specs
    and on the whole built site."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Scan(HTMLParser):
        def handle_starttag(self, tag, attrs):
            for name, value in attrs:
                plain = "".join(ch for ch in (value or "") if ch > " ").lower()
                if name.startswith("on"):
                    found.append(f"<{tag} {name}={value!r}>")
                elif name in URL_ATTRIBUTES and plain.startswith(
                        ("javascript:", "vbscript:", "data:text/html")):
                    found.append(f"<{tag} {name}={value!r}>")

        handle_startendtag = handle_starttag

    Scan(convert_charrefs=True).feed(html)
    return found

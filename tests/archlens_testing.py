"""Shared helpers for the test modules (imported by name; pytest puts tests/ on sys.path)."""
import difflib
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"


def run_process(*args, **kw):
    """Run ``python -m archlens ...`` as a separate process."""
    return subprocess.run([sys.executable, "-m", "archlens", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, **kw)


def check_golden(path: Path, text: str, update: bool, test_id: str = "tests/test_golden.py") -> None:
    """``text`` must equal the golden file at ``path`` byte for byte; a unified diff if not.
    With ``update`` the file is (re)written instead (pytest's ``--update-golden``)."""
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        return
    rerun = f"pytest {test_id} --update-golden"
    if not path.exists():
        pytest.fail(f"no golden file {path.name}: create it with {rerun}", pytrace=False)
    expected = path.read_bytes().decode("utf-8")
    if text != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(keepends=True),
                                            text.splitlines(keepends=True),
                                            f"golden/{path.name}", f"{path.name} (now)"))
        pytest.fail(f"output differs from golden/{path.name}:\n{diff}\nIf the change is intended, "
                    f"{rerun} and review git diff tests/golden/", pytrace=False)


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

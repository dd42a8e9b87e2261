"""The one escaping of spec text for Markdown: HTML-escaped, every Markdown and math mark inert.

Every string a spec supplies (name, title, description, source, notes, layer names and kinds)
goes through ``text`` before it reaches Markdown: worksheets, ``profile --format markdown``
and every site page. So ``<script>`` renders as text and ``[x](javascript:alert(1))``,
``<javascript:...>`` or ``{ onclick=... }`` (attr_list) never become a link or an attribute.
"""
from __future__ import annotations

import re

from archlens.errors import one_line

# HTML and Markdown/math marks, written as numeric character references rather than
# backslash escapes: arithmatex reads "\(" and "\[" as math, and "[x](javascript:...)" is a link.
# One pass, so the references it writes are never escaped again. An underscore inside a word
# (conv1_1) is left as it is: Markdown never reads it as emphasis.
_SPECIAL = re.compile(r"[<>&\"'\\`*{}\[\]#+|~$]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")


def table(head: list[str], rows: list[list[str]], align: str = "") -> str:
    """A Markdown table from already-safe cell text; ``align`` is one of 'l'/'r' per column.
    The one writer of Markdown tables: ``profile --format markdown``, the detection stages
    and every site page."""
    marks = {"l": "---", "r": "---:"}
    rule = [marks[a] for a in (align or "l" * len(head))]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(rule) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def text(value) -> str:
    """Plain text for Markdown, on one line: HTML-escaped, every Markdown and math mark inert,
    control characters written as escapes (``\\x1b``: a worksheet is often read on a terminal)."""
    plain = one_line(" ".join(str(value).split()))
    return _SPECIAL.sub(lambda m: f"&#{ord(m.group())};", plain)

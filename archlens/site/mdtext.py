"""Text from specs made safe for a Markdown page: HTML-escaped, Markdown-inert.

Every string a spec supplies (name, title, description, source, notes, layer names) goes
through ``text`` (``archlens.render.mdsafe``, shared with the worksheets and the profile's
Markdown) before it reaches a page, so a title ``<script>`` renders as text.
"""
from __future__ import annotations

import re

from markupsafe import escape

# the one escaping of spec text and the one Markdown table writer, re-exported for the pages
from archlens.render.mdsafe import table, text  # noqa: F401


def attr(value) -> str:
    """Text for an HTML attribute or element body in a raw HTML block."""
    return str(escape(str(value)))


def code_block(body: str, lang: str = "") -> str:
    """A fenced block whose fence is longer than any backtick run inside it."""
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{body.rstrip()}\n{fence}"


def indent(block: str, prefix: str = "    ") -> str:
    """Indent a Markdown block into an admonition or details body (blank lines stay blank)."""
    return "\n".join(prefix + line if line.strip() else "" for line in block.splitlines())


def slug(name: str) -> str:
    """A file-name-safe page slug from a spec name."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-").lower() or "spec"


def label(value) -> str:
    """A nav title: Material writes these into the page unescaped (and strips tags for
    <title>), so characters that could open markup are dropped, not escaped."""
    return re.sub(r"[<>&\"'`]", "", " ".join(str(value).split())) or "spec"


def figure_attrs(css_class: str, min_width: int | None) -> str:
    """An image's attr_list: its class and, when given, the width below which its labels would
    shrink under 9 px (the figure box then scrolls sideways instead; ``figures.legible_width``)."""
    return f"{{ .{css_class} }}" if min_width is None else f'{{ .{css_class} style="min-width: {min_width}px" }}'


def figure_md(base: str, alt: str, caption: str, min_width: int | None = None) -> str:
    attrs = figure_attrs("spec-figure", min_width)
    return "\n".join([
        '<figure markdown="span">',
        f"  ![{alt}]({base}-light.svg#only-light){attrs}",
        f"  ![{alt}]({base}-dark.svg#only-dark){attrs}",
        f"  <figcaption>{caption}</figcaption>",
        "</figure>"])

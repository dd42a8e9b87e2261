"""Byte-reproducible, theme-friendly matplotlib SVG figures.

Every figure is drawn twice, once for the light and once for the dark colour
scheme, and embedded with Material's ``#only-light`` / ``#only-dark`` suffixes.
We use ``matplotlib.figure.Figure`` directly (no pyplot) so no global figure
state or GUI backend is involved.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import matplotlib
from matplotlib.figure import Figure

from archlens.files import write_if_changed

# Fixed settings that make SVG output byte-identical from run to run:
# text stays text (no glyph paths whose ids depend on a hash), and element ids
# are derived from a fixed salt instead of a random one.
_REPRODUCIBLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "archlens",
}


@dataclass(frozen=True)
class Theme:
    """Colours for one Material colour scheme."""

    name: str  # "light" or "dark": the #only-<name> suffix Material understands
    fg: str  # text, axes and tick colour
    grid: str  # light grid lines
    accent: tuple[str, ...]  # series colours, readable on this background


LIGHT = Theme("light", "#1f2328", "#d0d7de",
              ("#3949ab", "#e8590c", "#2b8a3e", "#c2255c", "#6741d9", "#0c8599"))
DARK = Theme("dark", "#e6edf3", "#3d444d",
             ("#8c9eff", "#ffa94d", "#69db7c", "#f783ac", "#b197fc", "#66d9e8"))
THEMES = (LIGHT, DARK)

DrawFn = Callable[[Theme], Figure]


def _rc(theme: Theme) -> dict:
    return {
        **_REPRODUCIBLE,
        "text.color": theme.fg,
        "axes.edgecolor": theme.fg,
        "axes.labelcolor": theme.fg,
        "xtick.color": theme.fg,
        "ytick.color": theme.fg,
        "grid.color": theme.grid,
        "axes.prop_cycle": matplotlib.cycler(color=list(theme.accent)),
        "legend.frameon": False,
        "font.size": 10,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }


def render_svg(draw: DrawFn, theme: Theme) -> bytes:
    """Draw one figure under the theme's settings and return its SVG bytes."""
    with matplotlib.rc_context(_rc(theme)):
        fig = draw(theme)
        buf = io.BytesIO()
        # No date in the metadata and a transparent background so the page's
        # own background shows through in either colour scheme.
        fig.savefig(buf, format="svg", metadata={"Date": None},
                    transparent=True, bbox_inches="tight")
    return buf.getvalue()


def figure_paths(out_dir: Path, stem: str) -> list[Path]:
    """``<stem>-light.svg`` and ``<stem>-dark.svg`` under ``out_dir``, in THEMES' order."""
    return [Path(out_dir) / f"{stem}-{theme.name}.svg" for theme in THEMES]


def write_figure(draw: DrawFn, out_dir: Path, stem: str) -> list[Path]:
    """Write ``<stem>-light.svg`` and ``<stem>-dark.svg``; return their paths."""
    paths = figure_paths(out_dir, stem)
    for theme, path in zip(THEMES, paths):
        write_if_changed(path, render_svg(draw, theme))
    return paths


# The smallest label a reader should meet on a phone, in CSS pixels (issue 17).
LEGIBLE_PX = 9
_VIEWBOX = re.compile(r'viewBox="\s*[-\d.]+[ ,]+[-\d.]+[ ,]+([\d.]+)')
_FONT = re.compile(r'font-size(?::\s*|=")([\d.]+)')
_SCALE = re.compile(r'<g id="graph0"[^>]*transform="scale\(([\d.]+)')   # Graphviz scales its graph


def legible_width(svg: str | bytes) -> int | None:
    """The narrowest width (CSS px) at which every label of ``svg`` is at least ``LEGIBLE_PX``.

    A browser draws one viewBox unit as ``width / viewBox width`` pixels, so a label of font
    size ``f`` units is ``f * width / viewBox`` pixels tall; None for an SVG with no text."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    box, sizes = _VIEWBOX.search(text), [float(f) for f in _FONT.findall(text)]
    if box is None or not sizes:
        return None
    scale = float(m.group(1)) if (m := _SCALE.search(text)) else 1.0
    return -(-int(LEGIBLE_PX * float(box.group(1)) * 1000) // int(min(sizes) * scale * 1000))


def figure_width(paths: list[Path]) -> int | None:
    """``legible_width`` of the widest-needing variant (light and dark share one layout)."""
    widths = [w for p in paths if p.suffix == ".svg" and (w := legible_width(p.read_bytes()))]
    return max(widths, default=None)


def new_figure(width: float = 6.4, height: float = 3.6, **kwargs) -> Figure:
    """A figure at a size that reads well in Material's content column."""
    return Figure(figsize=(width, height), layout="constrained", **kwargs)

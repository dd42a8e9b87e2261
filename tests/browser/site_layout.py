"""Layout checks run on every page at a desktop and a phone size (issue 17): the page never
scrolls sideways, before or after pressing Check; at the desktop size the wide tables show
every column; every figure's smallest label is drawn at 9 CSS px or more.

Label size is measured in the browser, not computed from our own formula: each figure's SVG
file is put inline at the width its <img> is drawn, and every <text> element's font size is
multiplied by its on-screen transform (``getScreenCTM``), the scale the browser really uses.
"""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

DESKTOP = {"width": 1440, "height": 900}
PHONE = {"width": 390, "height": 844}
SMALLEST_LABEL_PX = 9

SIDEWAYS_JS = "() => [document.documentElement.scrollWidth, window.innerWidth]"

# Tables that scroll inside their own box at this width: [first headings, table px, box px].
# Material puts every table (the model index's too) in a scrolling .md-typeset__scrollwrap.
CLIPPED_TABLES_JS = """() => [...document.querySelectorAll('article .md-typeset__scrollwrap')]
  .filter(w => !w.closest('details') && w.scrollWidth > w.clientWidth + 1)
  .map(w => [[...w.querySelectorAll('th')].slice(0, 3).map(t => t.textContent.trim()).join('|'),
             w.scrollWidth, w.clientWidth])"""

# The figures the reader sees: their file and drawn width.
SHOWN_FIGURES_JS = """() => [...document.querySelectorAll('article figure img')]
  .filter(i => i.checkVisibility() && i.getAttribute('src').split('#')[0].endsWith('.svg'))
  .map(i => [i.getAttribute('src').split('#')[0], i.getBoundingClientRect().width])"""

# One SVG drawn at `width` px: the smallest label's height on screen, in CSS px.
LABEL_PX_JS = """([svg, width]) => {
  const box = document.createElement('div');
  box.style.cssText = 'position:absolute; left:-20000px; top:0';
  box.innerHTML = svg;
  document.body.appendChild(box);
  const root = box.querySelector('svg');
  root.removeAttribute('height');
  root.style.width = width + 'px';
  root.style.height = 'auto';
  let smallest = Infinity;
  for (const t of root.querySelectorAll('text')) {
    if (!t.textContent.trim()) continue;
    const m = t.getScreenCTM();
    const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
    smallest = Math.min(smallest, px);
  }
  box.remove();
  return smallest;
}"""


def assert_no_sideways_scroll(pg, what: str) -> None:
    scroll, inner = pg.evaluate(SIDEWAYS_JS)
    assert scroll <= inner, f"{what}: the page scrolls sideways ({scroll} px wide in a {inner} px window)"


def press_check(pg) -> bool:
    """Type a wrong answer into every box of the page's checker (a model page's, or an exercise
    page's hashed-key sheet) and press Check (the longest verdicts); False where the page has
    no checker."""
    if not pg.locator("button.al-check").count():
        return False
    pg.evaluate("""() => document.querySelectorAll(
        '.archlens-checker input, .archlens-exercise input').forEach(
        i => { i.value = '1'; i.dispatchEvent(new Event('input', {bubbles: true})); })""")
    pg.locator("button.al-check").first.click()
    pg.wait_for_function("() => document.querySelector('.al-verdict').textContent.trim() !== ''")
    return True


def smallest_labels(pg, page_file: Path) -> list[tuple[str, float]]:
    """(figure, smallest label px) for every visible SVG figure of the page."""
    found = []
    for src, width in pg.evaluate(SHOWN_FIGURES_JS):
        svg = (page_file.parent / unquote(urlsplit(src).path)).read_text(encoding="utf-8")
        found.append((src, pg.evaluate(LABEL_PX_JS, [svg, width])))
    return found


def assert_legible_figures(pg, page_file: Path, what: str) -> None:
    small = [(src, round(px, 1)) for src, px in smallest_labels(pg, page_file) if px < SMALLEST_LABEL_PX - 0.05]
    assert not small, f"{what}: figure labels under {SMALLEST_LABEL_PX} px: {small}"

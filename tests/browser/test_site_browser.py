"""The built site, in a real offline browser: every page, in both colour schemes (light at
1440x900, dark at 390x844), loads with nothing fetched from outside, no console errors,
visible figures and diagrams (whose SVG carries every layer's label), typeset math, no
sideways scroll before or after pressing Check, wide tables whole at 1440 px, figure labels
of 9 px or more; every internal link and anchor resolves (on disk); search answers;
the model index sorts; a spec page's checker marks answers; the scheme toggle
works. Screenshots of every page go to .ci/artifacts/screenshots/, and of the
key pages (home, vgg16, fcn8s, sppnet_zf5) under their own names."""

from __future__ import annotations

import re
import sys

import pytest

from site_harness import KEY_PAGES, nav_pages, screenshot
from site_layout import (DESKTOP, PHONE, CLIPPED_TABLES_JS, assert_legible_figures,
                         assert_no_sideways_scroll, press_check)
from site_links import dead_links

pytestmark = pytest.mark.slow  # ~40 s: builds the site and starts a browser

PAGES = nav_pages()
SCHEMES = {"light": "default", "dark": "slate"}  # our name -> Material's data-md-color-scheme
# Each page loads once per scheme; each scheme also tries one screen size (issue 17).
SCREENS = {"light": DESKTOP, "dark": PHONE}

# Figures to check: images in the article, and inline SVG that is not an icon
# or part of KaTeX's own typesetting (it draws some delimiters as SVG).
FIGURES_JS = """([scheme]) => {
  const article = document.querySelector("article");
  const imgs = [...article.querySelectorAll("img")].map(img => ({
    src: img.getAttribute("src"),
    ours: !/#only-(light|dark)$/.test(img.getAttribute("src")) ||
          img.getAttribute("src").endsWith("#only-" + scheme),
    loaded: img.complete && img.naturalWidth > 0,
    w: img.getBoundingClientRect().width, h: img.getBoundingClientRect().height,
    shown: img.checkVisibility(),
  }));
  const svgs = [...article.querySelectorAll("svg")]
    .filter(s => !s.closest(".katex, .md-icon, .twemoji, button, a.headerlink, .md-clipboard"))
    .map(s => ({src: "inline svg", ours: true, loaded: true,
                w: s.getBoundingClientRect().width, h: s.getBoundingClientRect().height,
                shown: s.checkVisibility()}));
  return imgs.concat(svgs);
}"""

# Article text with the rendered math removed: whatever TeX is left was not rendered.
UNRENDERED_JS = """() => {
  const clone = document.querySelector("article").cloneNode(true);
  clone.querySelectorAll(".katex, pre, code, script, style").forEach(e => e.remove());
  return clone.textContent;
}"""
RAW_TEX = re.compile(r"\$\$|\\\(|\\\[|\$[^$\n]*\\[a-zA-Z]+[^$\n]*\$")


def load(tab, site_dir, page: str):
    """Open a page and wait until Material has set it up and KaTeX has run."""
    tab.page.goto((site_dir / page).as_uri(), wait_until="load")
    tab.page.wait_for_function(
        "() => [...document.querySelectorAll('.arithmatex')].every(e => e.querySelector('.katex'))"
        " && document.body.hasAttribute('data-md-color-scheme')")
    tab.page.evaluate("document.fonts.ready")
    return tab.page


def assert_clean(tab, what: str) -> None:
    assert not tab.external, f"{what}: requests left the machine: {tab.external}"
    assert not tab.failed, f"{what}: local requests failed (missing files?): {tab.failed}"
    assert not tab.errors, f"{what}: console errors: {tab.errors}"


def test_nav_covers_every_built_page(site_dir):
    built = {p.relative_to(site_dir).as_posix() for p in site_dir.rglob("*.html")}
    assert built - {"404.html"} == set(PAGES), "a page was built that the nav (and so this test) misses"
    import archlens
    models = {f"generated/models/{name}.html" for name in archlens.bundled_specs()}
    assert models == SPEC_PAGES, "each bundled spec has a model page, and its diagram is checked"


def test_every_internal_link_and_anchor_resolves(site_dir):
    """Every href/src of every built page (404.html included), resolved as file:// would."""
    assert dead_links(site_dir) == []


def test_dead_link_check_finds_dead_links(tmp_path):
    """The check itself: a page.md link, a missing anchor, a root-absolute asset are caught."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.html").write_text('<h2 id="here">b</h2>')
    (tmp_path / "a.html").write_text('<a href="sub/b.md">x</a><a href="sub/b.html#here">ok</a>'
                                     '<a href="sub/b.html#gone">y</a><link href="/assets/x.css">'
                                     '<a href="#top">z</a><a href="https://example.com/">ext</a>')
    assert dead_links(tmp_path) == [
        "a.html -> sub/b.md (no such file)", "a.html -> sub/b.html#gone (no id 'gone' in b.html)",
        "a.html -> /assets/x.css (root-absolute: dead on file://)", "a.html -> #top (no id 'top' in a.html)"]


def test_no_built_file_has_a_script_url(site_dir):
    """A static scan of every built page and figure: no href/src (any case, entities decoded)
    is a javascript: URL and no element carries an event handler (issue 13, item 5)."""
    from site_harness import REPO
    sys.path.insert(0, str(REPO / "tests"))
    from archlens_testing import script_urls
    files = sorted(site_dir.rglob("*.html")) + sorted(site_dir.rglob("*.svg"))
    assert len(files) > len(PAGES)
    found = {}
    for path in files:
        urls = script_urls(path.read_text(encoding="utf-8", errors="replace"))
        if urls:
            found[path.relative_to(site_dir).as_posix()] = urls[:3]
    assert found == {}, f"script URLs or event handlers in the built site: {found}"


SPEC_PAGES = {p for p in PAGES if "/models/" in p and not p.endswith("index.html")}


def assert_diagram_shows_every_layer(pg, site_dir, page: str) -> None:
    """A model page's architecture diagram is visible, and the SVG of each variant names every
    drawn layer with its output shape (the labels survived rendering)."""
    from archlens.core.profile import profile
    from archlens.render.diagram import boxes
    from archlens.render import units
    img = pg.locator("article img[src*='architecture-light.svg']")
    box = img.bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100, f"{page}: diagram not visible"
    spec = pg.locator("article table td code").first.inner_text()
    prof = profile(spec)
    for scheme in ("light", "dark"):
        svg = (site_dir / page).parent.joinpath(
            img.get_attribute("src").replace("-light.svg#only-light", f"-{scheme}.svg")).read_text()
        for b in boxes(prof):
            assert f">{b.head.name} ({b.head.kind})" in svg, f"{page}: {b.head.name} missing ({scheme})"
            assert units.shape(b.last.out_shape) in svg, f"{page}: shape of {b.head.name} missing"


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("page", PAGES)
def test_page_renders_offline(site_dir, tab_factory, page, scheme):
    screen = SCREENS[scheme]
    what = f"{page} at {screen['width']}x{screen['height']}"
    tab = tab_factory(scheme, screen)
    pg = load(tab, site_dir, page)
    assert pg.evaluate("document.body.dataset.mdColorScheme") == SCHEMES[scheme]
    shot = screenshot(tab, page.removesuffix(".html").replace("/", "__") + f"-{scheme}")
    for fig in pg.evaluate(FIGURES_JS, [scheme]):
        assert fig["loaded"], f"{page}: figure {fig['src']} did not load"
        if fig["ours"]:
            assert fig["shown"] and fig["w"] > 50 and fig["h"] > 50, f"{page}: {fig} not visible ({shot})"
    if page in SPEC_PAGES and scheme == "light":    # once per page: the SVG files are per scheme
        assert_diagram_shows_every_layer(pg, site_dir, page)
    assert_no_sideways_scroll(pg, what)
    if screen is DESKTOP:
        assert pg.evaluate(CLIPPED_TABLES_JS) == [], f"{what}: tables hide columns behind a scrollbar"
    else:
        assert_legible_figures(pg, site_dir / page, what)
    assert_math_typeset(pg, page, whole_math=screen is DESKTOP)
    if press_check(pg):
        assert_no_sideways_scroll(pg, what + " after Check")
    assert_clean(tab, page)


def assert_math_typeset(pg, page: str, whole_math: bool = True) -> None:
    """``whole_math``: no display formula needs its scrollbar (desktop); on a phone a long
    formula may scroll inside its own box (extra.css), as long as the page does not."""
    assert pg.locator(".katex-error").count() == 0, f"{page}: KaTeX could not parse a formula"
    leftover = RAW_TEX.findall(pg.evaluate(UNRENDERED_JS))
    assert not leftover, f"{page}: unrendered TeX {leftover[:5]}"
    if pg.locator(".arithmatex").count():
        # Make sure the vendored woff2 fonts really load (a missing font falls back silently).
        # fonts.load fetches the face without laying anything out; the desktop pass also
        # unfolds the folded blocks (worksheets) so that their math is laid out for the width
        # check below: on fcn8s's page (1,746 formulas) that layout took 2.75 s.
        pg.evaluate("""async (unfold) => {
            if (unfold) document.querySelectorAll('article details').forEach(d => d.open = true);
            await document.fonts.load('16px KaTeX_Main');
            if (unfold) await document.fonts.ready; }""", whole_math)
        assert pg.evaluate("document.fonts.check('16px KaTeX_Main')"), f"{page}: KaTeX font missing"
    if not whole_math:
        return
    # Display math wider than the column gets a scrollbar and looks cut off: split it.
    wide = pg.evaluate("""() => [...document.querySelectorAll('div.arithmatex')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.slice(0, 60))""")
    assert not wide, f"{page}: display math overflows the column: {wide}"


def test_concept_pages_have_math_and_figures(site_dir, tab_factory):
    tab = tab_factory()
    for page in (p for p in PAGES if "/concepts/" in p and not p.endswith("index.html")):
        pg = load(tab, site_dir, page)
        assert pg.locator("article .katex").count() > 0, f"{page}: no math"
        assert pg.locator("article figure img").count() >= 2, f"{page}: no figure"


@pytest.mark.parametrize("query, expect", [("convolution", "Convolution"),
                                           ("backpropagation", "Neural networks"),
                                           ("configuration D", "VGG-16")])
def test_search_finds_pages(site_dir, tab_factory, query, expect):
    tab = tab_factory()
    pg = load(tab, site_dir, "index.html")
    pg.locator(".md-search__input").click()  # the header search box (wide viewport)
    # Material's search listens to keyboard events; page.fill() would not trigger it.
    pg.keyboard.type(query, delay=20)
    results = pg.locator(".md-search-result__item")
    results.first.wait_for(timeout=10_000)
    titles = " ".join(results.all_inner_texts())
    assert expect in titles, f"search for {query!r} did not find {expect!r}: {titles[:300]}"
    screenshot(tab, f"search-{query}")
    assert_clean(tab, f"search {query!r}")


def test_scheme_toggle_switches_light_and_dark(site_dir, tab_factory):
    tab = tab_factory("light", fresh=True)    # its own: the toggle is remembered in storage
    pg = load(tab, site_dir, "generated/concepts/convolution.html")
    scheme = lambda: pg.evaluate("document.body.dataset.mdColorScheme")  # noqa: E731
    assert scheme() == "default"
    for expected in ("slate", "default"):
        pg.locator("form[data-md-component='palette'] label:visible").first.click()
        pg.wait_for_function(f"document.body.dataset.mdColorScheme === '{expected}'")
        visible = pg.locator("article figure img:visible").first.get_attribute("src")
        want = "#only-dark" if expected == "slate" else "#only-light"
        assert visible.endswith(want), f"after toggling to {expected}, showing {visible}"
        screenshot(tab, f"toggle-{expected}")
    assert_clean(tab, "scheme toggle")


def test_guard_catches_external_requests(site_dir, tab_factory):
    """The offline guard itself works: a page that reaches out is caught."""
    tab = tab_factory()
    pg = load(tab, site_dir, "index.html")
    pg.evaluate("fetch('https://example.com/probe.js').catch(() => null)")
    pg.wait_for_timeout(200)
    assert tab.external == ["https://example.com/probe.js"]


def test_model_index_sorts(site_dir, tab_factory):
    tab = tab_factory()
    pg = load(tab, site_dir, "generated/models/index.html")
    heading = pg.locator(".al-sortable th", has_text="params")
    values = lambda: [int(v) for v in pg.eval_on_selector_all(  # noqa: E731
        ".al-sortable tbody tr td:nth-child(4)", "tds => tds.map(td => td.dataset.sort)")]
    heading.click()
    assert values() == sorted(values()) and len(values()) >= 3
    heading.click()
    assert values() == sorted(values(), reverse=True)
    assert_clean(tab, "model index")


def test_spec_page_checker_marks_answers(site_dir, tab_factory):
    """The worksheet checker on the vgg16 page: a right and a classic wrong answer."""
    tab = tab_factory()
    pg = load(tab, site_dir, "generated/models/vgg16.html")
    pg.click('input[data-layer="conv1_2"][data-field="params"]')
    pg.keyboard.type("36,928")                                     # 3*3*64*64 + 64
    pg.click('input[data-layer="fc7"][data-field="params"]')
    pg.keyboard.type("16777216")                                   # forgot the bias
    pg.locator("button.al-check").click()
    right = pg.locator('[data-verdict="conv1_2.params"]').inner_text()
    wrong = pg.locator('[data-verdict="fc7.params"]').inner_text()
    assert "✓" in right or "right" in right.lower(), right
    assert "bias" in wrong.lower(), wrong
    assert_clean(tab, "checker")


@pytest.mark.parametrize("name", KEY_PAGES)
def test_key_page_screenshots(site_dir, tab_factory, name):
    """Screenshots a reader sees first; vgg16 and home must exist, FCN and SPPNet once specced."""
    page = KEY_PAGES[name]
    if page not in PAGES:
        assert name in ("fcn8s", "sppnet_zf5"), f"{page} missing from the site"
        return
    tab = tab_factory("light")
    load(tab, site_dir, page)
    shot = screenshot(tab, name, full_page=True)
    assert shot.stat().st_size > 10_000
    assert_clean(tab, name)

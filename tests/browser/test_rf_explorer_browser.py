"""The receptive-field explorer on the built site: click a unit, read back the drawn field."""
import re

import pytest

from archlens.core.profile import profile
from site_harness import screenshot

pytestmark = pytest.mark.slow  # uses the session-built site of tests/browser/conftest.py


def _inside(lo: int, size: int, n: int) -> int:
    """Brute force: input pixels 0..n-1 among the field's lo..lo+size-1."""
    return sum(1 for k in range(lo, lo + size) if 0 <= k < n)


def _open(tab_factory, site_dir, page, layer, width=1280):
    tab = tab_factory("light", {"width": width, "height": 900})
    tab.page.goto((site_dir / page).as_uri(), wait_until="load")
    tab.page.select_option(".rfx-layer", layer)
    return tab


def _box(pg) -> dict:
    box = pg.locator("rect.rfx-box")
    return {k: float(box.get_attribute(k)) for k in ("x", "y", "width", "height")}


@pytest.mark.parametrize("spec, layer", [("vgg16", "pool5"), ("fcn32s", "score")])
def test_clicked_unit_draws_its_field(site_dir, tab_factory, spec, layer):
    tab = _open(tab_factory, site_dir, f"generated/models/{spec}.html", layer)
    pg = tab.page
    pg.click(".rfx-grid", position={"x": 1, "y": 1})          # a unit at the top-left corner
    unit = re.search(r"unit \(row (\d+), col (\d+)\)", pg.locator(".rfx-readout").inner_text())
    index = (int(unit.group(1)), int(unit.group(2)))
    assert max(index) <= 2
    rf = profile(spec).layer(layer).rf
    size = 212 if spec == "vgg16" else rf.size[0]   # the paper's 212; fcn32s: the profile's
    box = _box(pg)
    assert (box["width"], box["height"]) == (size, size)
    # hand rule: unit i's field is centred at start + i*jump and spans size pixels; after a
    # transposed conv the extent of unit i's phase (the profile's, held against the gradient
    # footprint in tests/test_rf_phases.py): fcn32s's 436-pixel fields are not centred
    if rf.phases is None:
        lo = [rf.start[a] + index[a] * rf.jump[a] - (rf.size[a] - 1) / 2 for a in (0, 1)]
    else:
        lo = [float(rf.extent(index)[a][0]) for a in (0, 1)]
    assert (box["y"] + 0.5, box["x"] + 0.5) == tuple(lo)
    n = profile(spec).input[1:]
    inside = pg.locator("rect.rfx-box").get_attribute("data-inside-h")
    assert int(inside) == _inside(int(lo[0]), int(rf.size[0]), n[0])
    pg.locator(".rf-explorer").scroll_into_view_if_needed()
    screenshot(tab, f"rf-explorer-{spec}")
    assert tab.errors == [] and tab.external == []


def test_keyboard_and_phone(site_dir, tab_factory):
    tab = _open(tab_factory, site_dir, "generated/concepts/stacked-3x3.html", "conv3", width=390)
    pg = tab.page
    pg.focus(".rfx-grid")                      # starts at the centre unit (5, 5)
    pg.keyboard.press("ArrowUp")
    assert "unit (row 4, col 5)" in pg.locator(".rfx-readout").inner_text()
    assert _box(pg)["width"] == 7                 # three stacked 3x3: 7x7 (VGG paper, Sec. 2.3)
    widths = sorted(float(r.get_attribute("width")) for r in pg.locator("rect.rfx-ancestor").all())
    assert widths == [3, 5]
    screenshot(tab, "rf-explorer-stacked-phone")
    grid = pg.locator(".rfx-grid").bounding_box()
    assert grid["width"] <= 390 and pg.evaluate("document.documentElement.scrollWidth") <= 390
    assert tab.errors == [] and tab.external == []

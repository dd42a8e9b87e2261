"""SPP bins (He et al., TPAMI 2015): every cell of the map reaches the pyramid, checked by brute
force (a maximum planted at each cell), and the bins equal torch's pooling where they should:
Appendix A's bins are adaptive_max_pool2d's, Sec. 2.3's are max_pool2d(ceil(a/n), floor(a/n))."""
import itertools

import pytest
import torch
import torch.nn.functional as F

import archlens
from archlens.core.kinds.spp import bins
from archlens.detection.spp_windows import pool_windows
from archlens.nn.spp import SPP, pool_level

SIDES = range(1, 21)


def _cells_reaching(h: int, w: int, n: int) -> torch.Tensor:
    """(h·w, n, n) bool: which output bins the planted maximum at each cell reaches."""
    planted = torch.eye(h * w).reshape(h * w, 1, h, w) * 2 - 1   # +1 at one cell, -1 elsewhere
    return pool_level(planted, n)[:, 0] > 0


def _holds(spans, a: int) -> torch.Tensor:
    """(a, n) bool: cell y lies in span [s, e)."""
    y = torch.arange(a)[:, None]
    return (torch.tensor([s for s, _ in spans]) <= y) & (y < torch.tensor([e for _, e in spans]))


def _appendix_a(a: int, n: int) -> list[tuple[int, int]]:
    """Appendix A, bin i = 1..n: [floor((i-1)·a/n), ceil(i·a/n)), written out independently."""
    import math
    return [(math.floor((i - 1) * a / n), math.ceil(i * a / n)) for i in range(1, n + 1)]


@pytest.mark.parametrize("n", (6, 3, 2, 1))
def test_a_maximum_at_every_cell_reaches_the_output(n):
    for h, w in itertools.product(SIDES, (1, 8, 13)):
        reach = _cells_reaching(h, w, n)
        assert reach.flatten(1).any(1).all(), f"{h}x{w}, level {n}: a cell is never pooled"
        # the bins a cell reaches are exactly the bins whose spans hold it
        rows, cols = _holds(bins(h, n)[0], h), _holds(bins(w, n)[0], w)   # (h, n), (w, n)
        want = rows[:, None, :, None] & cols[None, :, None, :]            # (h, w, n, n)
        assert torch.equal(reach, want.reshape(h * w, n, n))


def test_the_8x8_conv5_map_keeps_its_last_row_and_column():
    x = torch.zeros(1, 1, 8, 8)
    x[0, 0, 7, 7] = 5.0                      # the maximum Sec. 2.3's 3x3 level used to lose
    level = pool_level(x, 3)
    assert level[0, 0, 2, 2] == 5.0
    assert torch.equal(level, F.adaptive_max_pool2d(x, 3))
    assert bins(8, 3)[0] == _appendix_a(8, 3) == [(0, 3), (2, 6), (5, 8)]


def test_bins_are_sec23_or_else_appendix_a_and_match_torch():
    torch.manual_seed(0)
    for a, n in itertools.product(SIDES, (6, 3, 2, 1)):
        spans, rule = bins(a, n)
        x = torch.randn(1, 2, a, a)
        if rule == "Appendix A":
            assert spans == _appendix_a(a, n)
            assert torch.equal(pool_level(x, n), F.adaptive_max_pool2d(x, n))
        else:  # Sec. 2.3: window ceil(a/n), stride floor(a/n), exactly n bins over all a cells
            k, s = -(-a // n), a // n
            assert torch.equal(pool_level(x, n), F.max_pool2d(x, k, s))
            assert spans[-1][1] == a and len(spans) == n


def test_windows_pooled_at_once_reach_every_cell():
    fmap = torch.eye(64).reshape(64, 8, 8)                 # channel c: a 1 at cell c
    cells = torch.tensor([[0, 0, 7, 7], [1, 0, 7, 4]])     # x0', y0', x1', y1' inclusive
    out = pool_windows(fmap, cells, (3,)).reshape(2, 64, 9)
    assert out[0].amax(1).all()                            # all 64 cells reach the 3x3 level
    inside = [y * 8 + x for y in range(0, 5) for x in range(1, 8)]
    assert out[1].amax(1).nonzero().flatten().tolist() == inside
    crop = fmap[None, :, 0:5, 1:8]
    assert torch.equal(out[1].flatten(), SPP((3,))(crop)[0])


def test_profile_says_which_rule_applied_at_which_size():
    note = archlens.profile("sppnet_zf5", input=(3, 136, 136)).layer("spp").extra["spp_bins"]
    assert note.startswith("on 8x8: ")
    assert "6x6 Appendix A (window 2, stride 1 give 7 bins)" in note
    assert "3x3 Appendix A (window 3, stride 2 leave cell 7 out)" in note
    assert "2x2 Sec. 2.3, 1x1 Sec. 2.3" in note
    at_224 = archlens.profile("sppnet_zf5").layer("spp").extra["spp_bins"]
    assert at_224 == "on 13x13: 6x6 Sec. 2.3, 3x3 Sec. 2.3, 2x2 Sec. 2.3, 1x1 Sec. 2.3"


def test_spec_page_tables_the_rule_per_window_side():
    from types import SimpleNamespace
    from archlens.site.spp_page import spp_rules_section
    page = spp_rules_section(SimpleNamespace(profile=archlens.profile("sppnet_zf5")))
    rows = {r.split(" | ")[0].strip("| "): r.split(" | ")[1:] for r in page.splitlines()
            if r.startswith("| ") and r[2].isdigit()}
    assert sorted(map(int, rows)) == list(range(1, 14))          # 13x13 conv5 at 224
    for a, cells in rows.items():
        for n, cell in zip((6, 3, 2, 1), cells):
            k, s = -(-int(a) // n), int(a) // n                   # Sec. 2.3 covers a iff ...
            fits = s > 0 and (int(a) - k) // s + 1 == n and (n - 1) * s + k == int(a)
            assert cell.startswith("Sec. 2.3") == fits, (a, n, cell)
    assert spp_rules_section(SimpleNamespace(profile=archlens.profile("vgg11"))) is None

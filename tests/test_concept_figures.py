"""Issue 18's concept figures draw what the code computes, checked against independent oracles:
the bilinear kernel (plain numpy and F.conv_transpose2d), a box projected onto conv5 (a hand
calculation and brute force over cell centres), the recorded linear-regression fit (its
metrics.json and the task's own data), and the R-CNN/SPPNet timing record (what the page shows)."""
from __future__ import annotations

import importlib.util
import json
import math
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from archlens.site.figures import LIGHT

ROOT = Path(__file__).resolve().parent.parent


def _artist(fig, gid):
    found = [a for ax in fig.axes for a in (*ax.images, *ax.patches, *ax.lines, *ax.collections)
             if a.get_gid() == gid]
    assert len(found) == 1, f"expected one artist with gid {gid!r}, found {len(found)}"
    return found[0]


def _fcn_formula(k: int) -> np.ndarray:
    """FCN's upsample_filt (surgery.py), written out in numpy: (1 - |x - c|/f)(1 - |y - c|/f)."""
    f = math.ceil(k / 2)
    c = f - 1 if k % 2 == 1 else f - 0.5
    og = np.ogrid[:k, :k]
    return (1 - abs(og[0] - c) / f) * (1 - abs(og[1] - c) / f)


# ---- bilinear initialisation -------------------------------------------------------------

def test_bilinear_figure_shows_the_kernel_archlens_builds_and_fcns_formula():
    from archlens.nn.fcn import bilinear_
    from archlens.site.plots_bilinear import bilinear_kernels, bilinear_numbers
    rows = bilinear_numbers()
    assert [(r["k"], r["stride"]) for r in rows] == [(4, 2), (64, 32)]   # fcn8s upscore2, fcn32s upscore
    fig = bilinear_kernels(LIGHT)
    for r in rows:
        k = r["k"]
        shown = np.asarray(_artist(fig, f"kernel-{k}").get_array())
        built = bilinear_(torch.nn.ConvTranspose2d(2, 2, k, r["stride"])).weight.detach().double()
        np.testing.assert_array_equal(shown, built[1, 1].numpy())
        np.testing.assert_allclose(shown, _fcn_formula(k), atol=1e-7)
        assert built[0, 1].abs().sum() == 0                      # channel 0 feeds only channel 0
    # the small kernel is annotated with its values, as (1/4, 3/4, 3/4, 1/4) outer itself
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == [f"{v:.4g}" for v in np.outer([.25, .75, .75, .25], [.25, .75, .75, .25]).flat]


@pytest.mark.parametrize("k, stride", [(4, 2), (64, 32)])
def test_bilinear_kernel_keeps_a_constant_map_constant_inside(k, stride):
    # Oracle: PyTorch's transposed convolution of a constant map with the page's kernel.
    from archlens.site.plots_bilinear import bilinear_numbers, kernel
    ones = torch.full((1, 1, 5, 5), 3.0, dtype=torch.float64)
    out = F.conv_transpose2d(ones, torch.from_numpy(kernel(k))[None, None], stride=stride)[0, 0]
    edge = k - stride
    assert out.shape[-1] == (5 - 1) * stride + k
    np.testing.assert_allclose(out[edge:-edge, edge:-edge].numpy(), 3.0, rtol=1e-12)
    assert out[0, 0] < 3.0                                     # the border is not interpolated
    assert next(r["interior"] for r in bilinear_numbers() if r["k"] == k) == (1.0, 1.0)


# ---- one box projected onto conv5 --------------------------------------------------------

def test_projection_figure_draws_the_window_map_geometry_gives():
    from archlens.detection.project import map_geometry, project_boxes
    from archlens.spec.load import load_spec
    from archlens.site.plots_projection import BOX, box_projection, cell_extent, projection_numbers
    n = projection_numbers()
    geometry = map_geometry(load_spec("sppnet_zf5"), "relu5")
    assert (n["start"], n["jump"]) == ((16.0, 16.0), (16.0, 16.0))   # the spec's description
    ours = project_boxes(torch.tensor([BOX], dtype=torch.float64), geometry, n["fmap"])[0].tolist()
    assert n["cells"] == tuple(ours)
    # by hand: floor((100-16)/16)+1 = 6, floor((60-16)/16)+1 = 3, ceil((230-16)/16)-1 = 13,
    # ceil((180-16)/16)-1 = 10; the paper's formula (start 0): 7, 4, 14, 11
    assert BOX == (100.0, 60.0, 230.0, 180.0)
    assert n["cells"] == (6, 3, 13, 10) and n["paper"] == (7, 4, 14, 11)
    # brute force: the cells whose centres 16 + 16 i lie strictly inside the box
    inside = lambda lo, hi: [i for i in range(60) if lo < 16 + 16 * i < hi]  # noqa: E731
    xs, ys = inside(BOX[0], BOX[2]), inside(BOX[1], BOX[3])
    assert n["cells"] == (xs[0], ys[0], xs[-1], ys[-1])
    fig = box_projection(LIGHT)
    for gid, cells in (("window", n["cells"]), ("paper-window", n["paper"])):
        patch = _artist(fig, gid)
        drawn = (patch.get_x(), patch.get_y(), patch.get_x() + patch.get_width(),
                 patch.get_y() + patch.get_height())
        assert drawn == cell_extent(cells, n["start"], n["jump"])
    assert cell_extent(n["cells"], n["start"], n["jump"]) == (104.0, 56.0, 232.0, 184.0)  # 16·6 + 16 - 8 ...
    box = _artist(fig, "box")
    assert (box.get_x(), box.get_y(), box.get_width(), box.get_height()) == (100, 60, 130, 120)


def test_projection_uses_the_resized_image_and_its_conv5_size():
    # Oracle: SPPNet Sec. 4.1 (shorter side 688) and the ZF-5 trunk run by torch on that size.
    from archlens.core.profile import profile
    from archlens.site.plots_projection import projection_numbers
    n = projection_numbers()
    assert n["original"] == (375, 500) and n["image"] == (688, round(500 * 688 / 375))
    assert n["fmap"] == tuple(profile("sppnet_zf5", input=(3, *n["image"])).layer("relu5").out_shape[1:])


# ---- the recorded linear-regression run --------------------------------------------------

def _recorded_regression() -> dict:
    from archlens.site.results import RECORDED
    return json.loads((RECORDED / "linear_regression" / "metrics.json").read_text(encoding="utf-8"))


def test_regression_figure_draws_the_recorded_fit_over_the_trained_points():
    from archlens.site.plots_regression import recorded_fit, recorded_line
    from archlens.train.tasks.regression import RegressionSettings, line_data
    record = _recorded_regression()
    fig = recorded_fit(LIGHT, recorded_line())
    xs, ys = _artist(fig, "fit").get_data()
    slope = (ys[1] - ys[0]) / (xs[1] - xs[0])
    assert slope == pytest.approx(record["final"]["slope"], rel=1e-12)
    assert ys[0] - slope * xs[0] == pytest.approx(record["final"]["intercept"], rel=1e-12)
    tx, ty = _artist(fig, "truth").get_data()
    assert (ty[1] - ty[0]) / (tx[1] - tx[0]) == pytest.approx(record["truth"]["slope"])
    # the points are the training set the regression task builds from the recorded config
    cfg = SimpleNamespace(data=SimpleNamespace(**record["config"]["data"]))
    train = line_data(cfg, RegressionSettings(**record["config"]["task"])).train
    x, y = (torch.stack([train[i][j] for i in range(len(train))]).flatten().numpy() for j in (0, 1))
    points = _artist(fig, "points").get_offsets()
    np.testing.assert_array_equal(points[:, 0], x)
    np.testing.assert_array_equal(points[:, 1], y)
    # and the run's fit is near their least-squares line (SGD with a constant step ends nearby)
    ls_slope, ls_intercept = np.polyfit(x.astype(np.float64), y.astype(np.float64), 1)
    assert abs(ls_slope - record["final"]["slope"]) < 0.02
    assert abs(ls_intercept - record["final"]["intercept"]) < 0.02


def test_regression_figure_without_a_record_says_so():
    from archlens.site.figures import render_svg
    from archlens.site.plots_regression import recorded_fit
    assert "no recorded run" in render_svg(lambda theme: recorded_fit(theme, None), LIGHT).decode()


# ---- R-CNN vs SPPNet wall-clock ----------------------------------------------------------

def _benchmark():
    spec = importlib.util.spec_from_file_location("rcnn_vs_sppnet", ROOT / "benchmarks" / "rcnn_vs_sppnet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_extrapolates_rcnn_per_region_and_records_no_ratio(monkeypatch, tmp_path):
    # Stand-in pipelines "take" a known time each (no clock is read): R-CNN 10 ms per region,
    # SPPNet 2 s + 1 ms per region; --quick runs R-CNN at N = 100 only.
    bench = _benchmark()
    monkeypatch.setattr(bench, "timed", lambda fn, repeat=1: fn())
    monkeypatch.setattr(bench, "propose", lambda image, n: (torch.zeros(n, 4), None))
    calls = []
    rcnn = lambda image, boxes: calls.append(len(boxes)) or 0.01 * len(boxes)  # noqa: E731
    spp = lambda image, boxes: 2.0 + 0.001 * len(boxes)  # noqa: E731
    rows = bench.measure(rcnn, spp, None, bench.QUICK_SIZES, bench.QUICK_MEASURED)
    assert calls == [100]
    assert rows == [{"n": 100, "rcnn_s": 1.0, "sppnet_s": 2.1, "rcnn_extrapolated_from": None},
                    {"n": 500, "rcnn_s": 5.0, "sppnet_s": 2.5, "rcnn_extrapolated_from": 100}]
    doc = bench.record_doc(rows, "quick", 1, ["--quick", "--record"], [3, 375, 500])
    assert not any("ratio" in key for row in doc["rows"] for key in row)
    assert {"cpu", "threads", "torch"} <= set(doc["machine"]) and doc["recorded"].endswith("UTC")
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps(doc))
    from archlens.detection.profile_stages import profile_stages
    from archlens.site.rcnn_timing import timing_table
    table = timing_table(path)
    assert [r["measured"] for r in table["rows"]] == [1.0 / 2.1, 5.0 / 2.5]
    for r in table["rows"]:   # the MAC ratios come from the profile now, at each N
        a, b = profile_stages("rcnn_zf5", r["n"]), profile_stages("sppnet_zf5", r["n"])
        assert r["macs"] == a.totals.macs / b.totals.macs


def test_conv_mac_ratio_is_n_crops_over_one_resized_image():
    # Oracle: the plain layer profiles: R-CNN's trunk (input .. pool5) on one 227x227 crop,
    # N times, against SPPNet's (input .. relu5) once on the 688x917 resized image.
    from archlens.core.profile import profile
    from archlens.site.rcnn_timing import mac_ratios
    def trunk(p, last):
        names = [lp.name for lp in p.layers]
        return sum(lp.macs.value for lp in p.layers[:names.index(last) + 1])
    crop, image = trunk(profile("rcnn_zf5"), "pool5"), trunk(profile("sppnet_zf5", input=(3, 688, 917)), "relu5")
    assert mac_ratios(500)[1] == pytest.approx(500 * crop / image)


def test_a_corrupt_timing_record_is_refused_naming_the_file(tmp_path):
    from archlens.site.rcnn_timing import read_record
    from archlens.site.results import RecordedRunError
    path = tmp_path / "metrics.json"
    path.write_text(json.dumps({"rows": [{"n": 100, "rcnn_s": "fast", "sppnet_s": 2}], "machine": {}}))
    with pytest.raises(RecordedRunError, match=r"metrics\.json: row 100: 'rcnn_s' must be a positive"):
        read_record(path)
    assert read_record(tmp_path / "absent.json") is None


def test_the_conv_ratio_passes_the_papers_24x_where_the_page_says():
    from archlens.site.rcnn_timing import mac_ratios, timing_table
    t = timing_table()
    if t is None:
        pytest.skip("no timing record in this checkout")
    n = t["conv_24"]
    assert mac_ratios(n - 1)[1] < 24 <= mac_ratios(n)[1]


def test_a_recorded_regression_run_without_its_line_is_refused_naming_the_file(monkeypatch, tmp_path):
    from archlens.site import results
    from archlens.site.plots_regression import recorded_line
    monkeypatch.setattr(results, "RECORDED", tmp_path)
    assert recorded_line() is None
    (tmp_path / "linear_regression").mkdir()
    (tmp_path / "linear_regression" / "metrics.json").write_text(json.dumps({"final": {"slope": 2.0}}))
    with pytest.raises(results.RecordedRunError, match=r"linear_regression/metrics\.json: no fitted line"):
        recorded_line()


# ---- the pages quote them (templates rendered without drawing: the embedding of every figure
# ---- is checked by test_site_concepts.py on the generated pages) ---------------------------

def _page_text(slug: str) -> str:
    from archlens.site import concepts
    page = next(p for p in concepts.PAGES if p.slug == slug)
    return concepts._environment().get_template(f"concepts/{slug}.md.j2").render(
        pages=concepts.PAGES, figure_dir=concepts.FIGURE_DIR, figure_attrs=lambda *a: "",
        widths={}, model_link=concepts.model_linker(None), **page.context())


def test_issue18_figures_and_their_numbers_are_on_the_pages():
    # Oracles: FCN's formula by hand (k = 4: f = 2, c = 1.5), the SPP paper's corner rule by hand
    # at the profile's start 16 and jump 16, and the recorded runs' own JSON files.
    from archlens.site.rcnn_timing import RECORD
    from archlens.site.results import RECORDED
    seg = _page_text("segmentation")
    assert "`upscore2` ($k = 4$, stride 2: $f = 2$, $c = 1.5$)" in seg
    assert "(one axis: 0.25, 0.75, 0.75, 0.25)" in seg and "every output is 1" in seg
    det = _page_text("detection")
    assert r"x'_0 &= \lfloor (100 - 16) / 16 \rfloor + 1 = 6" in det
    assert r"y'_1 &= \lceil (180 - 16) / 16 \rceil - 1 = 10" in det
    assert "24-102× faster" in det
    if RECORD.is_file():
        for row in json.loads(RECORD.read_text())["rows"]:
            assert f"| {row['n']:,} | {float(row['rcnn_s']):.3g}" in det
            assert f"{row['rcnn_s'] / row['sppnet_s']:.3g}×" in det
    else:
        assert "has not been run" in det
    model = _page_text("model")
    final = json.loads((RECORDED / "linear_regression" / "metrics.json").read_text())["final"]
    assert f"slope $a = {final['slope']:.4f}$" in model


def test_detection_page_without_a_timing_record_says_the_benchmark_was_not_run(monkeypatch, tmp_path):
    from archlens.site import rcnn_timing
    monkeypatch.setattr(rcnn_timing, "RECORD", tmp_path / "absent" / "metrics.json")
    text = _page_text("detection")
    section = text[text.index("## Wall-clock"):text.index("## Overlap")]
    assert "has not been run" in section and "| N regions" not in section
    assert not re.search(r"\d+(\.\d+)? ?s\b", section)   # no seconds quoted

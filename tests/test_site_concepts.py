"""Concept pages: reproducible, and their worked numbers agree with PyTorch.

Their build time is measured in benchmarks/site_build.py, not asserted here."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from archlens.site import numerics as nx
from archlens.site.concepts import FIGURE_DIR, PAGES, write_concept_pages


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("concepts")
    return out, write_concept_pages(out)


def test_second_run_changes_no_byte_and_rewrites_nothing(generated):
    """Run again in place: every figure and page drawn again from scratch, the same files, the
    same bytes, and none written (mkdocs serve would loop if this touched files)."""
    out, paths = generated
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}
    again = write_concept_pages(out)
    assert again == paths
    for p in paths:
        assert p.read_bytes() == before[p][0], f"{p.name} differs between runs"
    assert {p: p.stat().st_mtime_ns for p in paths} == {p: m for p, (_, m) in before.items()}


def test_svgs_are_theme_friendly_and_dateless(generated):
    svgs = [p for p in generated[1] if p.suffix == ".svg"]
    assert svgs
    for svg in svgs:
        text = svg.read_text()
        assert "<dc:date>" not in text, svg.name
        assert "<text" in text or "<image" in text or "<path" in text, svg.name


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.slug)
def test_page_embeds_its_figures_and_nothing_is_left_unrendered(generated, page):
    out = generated[0]
    text = (out / f"{page.slug}.md").read_text()
    assert "{{" not in text and "{%" not in text
    for stem in page.figures:
        for scheme in ("light", "dark"):
            ref = f"{FIGURE_DIR}/{stem}-{scheme}.svg#only-{scheme}"
            assert ref in text, f"{page.slug}.md does not embed {ref}"
    referenced = set(re.findall(rf"{FIGURE_DIR}/([\w-]+)-(?:light|dark)\.svg", text))
    assert referenced == set(page.figures), "figures drawn but not shown, or shown but not drawn"


def test_backprop_example_matches_autograd():
    v = nx.backprop_example()
    w1 = torch.tensor(v["w1"], dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(v["w2"], dtype=torch.float64, requires_grad=True)
    loss = (w2 * torch.relu(w1 * v["x"]) - v["y"]) ** 2
    loss.backward()
    assert loss.item() == pytest.approx(v["loss"])
    assert w1.grad.item() == pytest.approx(v["d_w1"])
    assert w2.grad.item() == pytest.approx(v["d_w2"])


def test_transposed_conv_matches_torch():
    from archlens.site.plots_vision import DECONV_K, DECONV_STRIDE, DECONV_X

    _, ours = nx.conv_transpose_1d(DECONV_X, DECONV_K, DECONV_STRIDE)
    x = torch.tensor(DECONV_X, dtype=torch.float64).view(1, 1, -1)
    k = torch.tensor(DECONV_K, dtype=torch.float64).view(1, 1, -1)
    theirs = F.conv_transpose1d(x, k, stride=DECONV_STRIDE).flatten().numpy()
    np.testing.assert_allclose(ours, theirs)


@pytest.mark.parametrize("name", sorted(nx.KERNELS))
def test_filters_match_torch_conv2d(name):
    img, kernel = nx.shapes_image(), nx.KERNELS[name]
    x = F.pad(torch.tensor(img).view(1, 1, *img.shape), (1, 1, 1, 1), mode="replicate")
    theirs = F.conv2d(x, torch.tensor(kernel).view(1, 1, 3, 3)).squeeze().numpy()
    np.testing.assert_allclose(nx.correlate2d(img, kernel), theirs, atol=1e-12)


def test_gradient_descent_ends_near_least_squares():
    from archlens.site import plots_learning as pl

    x, y = nx.linear_data()
    gd = nx.gradient_descent(x, y, pl.START, lr=pl.GD_LR, steps=pl.GD_STEPS)
    # The page says GD ends "next to" the optimum; hold it to that.
    np.testing.assert_allclose(gd[-1], nx.least_squares(x, y), atol=0.1)


def test_generalization_page_quotes_the_recorded_harness_runs(generated):
    # Oracle: the harness's own metrics.json files under archlens/specs/recorded/.
    import json
    from archlens.site.concepts import HARNESS_FOLDS, HARNESS_RUN
    from archlens.site.results import RECORDED
    text = (generated[0] / "generalization.md").read_text(encoding="utf-8")
    run = json.loads((RECORDED / HARNESS_RUN / "metrics.json").read_text())
    last = run["history"][-1]
    assert f"training accuracy is {100 * last['train_accuracy']:.1f}%" in text
    assert f"the accuracy is\n{100 * last['val_accuracy']:.1f}%" in text
    folds = json.loads((RECORDED / f"{HARNESS_RUN}-folds{HARNESS_FOLDS}" /
                        "metrics.json").read_text())
    assert len(folds["per_fold"]) == HARNESS_FOLDS
    assert f"validation accuracy of {100 * folds['final']['accuracy']:.1f}% ±" in text
    assert "No recorded" not in text


def test_generalization_page_quotes_the_recorded_bias_variance_sweep(generated):
    # Oracle: the sweep's own metrics.json (written by train/bias_variance.py via the recorder).
    import json
    from archlens.site.concepts import HARNESS_SWEEP
    from archlens.site.results import RECORDED
    text = " ".join((generated[0] / "generalization.md").read_text(encoding="utf-8").split())
    sweep = json.loads((RECORDED / HARNESS_SWEEP / "metrics.json").read_text())
    first, last = sweep["rows"][0], sweep["rows"][-1]
    best = min(sweep["rows"], key=lambda r: r["error"])
    assert f"bias² is {first['bias2']:.3f} and variance only {first['variance']:.3f}" in text
    assert f"variance has grown to {last['variance']:.3f}" in text
    assert f"({best['error']:.3f})" in text
    assert (generated[0] / "figures" / "harness-bias-variance.svg").is_file() or any(
        p.name.startswith("harness-bias-variance") for p in (generated[0] / "figures").iterdir())


@pytest.mark.parametrize("draw", ["harness_run", "harness_folds", "harness_bias_variance"])
def test_harness_figures_say_when_nothing_was_recorded(draw):
    from archlens.site import plots_learning as pl
    from archlens.site.figures import LIGHT, render_svg
    svg = render_svg(lambda theme: getattr(pl, draw)(theme, None), LIGHT).decode()
    assert "no recorded" in svg

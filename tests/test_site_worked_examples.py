"""The worked numbers on the concept pages agree with an independent oracle (torch, a hand
calculation). Fast: no figure is drawn and no page is built."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from archlens.site.mlp_backprop import mlp_backprop


def test_mlp_backprop_matches_autograd():
    v = mlp_backprop()
    t = {k: torch.tensor(v[k], dtype=torch.float64, requires_grad=True)
         for k in ("w1", "b1", "w2", "b2")}
    x, y = torch.tensor(v["x"]), torch.tensor(v["y"])
    z = t["w1"] @ x + t["b1"]
    z.retain_grad()
    h = torch.relu(z)
    h.retain_grad()
    y_hat = t["w2"] @ h + t["b2"]
    y_hat.retain_grad()
    loss = ((y_hat - y) ** 2).sum()
    loss.backward()
    assert loss.item() == pytest.approx(v["loss"])
    for ours, theirs in [("d_yhat", y_hat.grad), ("d_h", h.grad), ("d_z", z.grad),
                         ("d_w1", t["w1"].grad), ("d_b1", t["b1"].grad),
                         ("d_w2", t["w2"].grad), ("d_b2", t["b2"].grad)]:
        np.testing.assert_allclose(v[ours], theirs.numpy(), err_msg=ours, atol=1e-12)
    assert v["params"] == sum(p.numel() for p in t.values())
    with torch.no_grad():   # the page's "one step lowers the loss to ..."
        nxt = {k: p - v["lr"] * p.grad for k, p in t.items()}
        after = (((nxt["w2"] @ torch.relu(nxt["w1"] @ x + nxt["b1"]) + nxt["b2"]) - y) ** 2).sum()
    assert after.item() == pytest.approx(v["loss_after"])


def test_mlp_example_shows_a_blocked_relu():
    # The page's prose says one hidden unit is off and its gradient column is zero.
    v = mlp_backprop()
    assert (v["z"] < 0).sum() == 1
    assert not v["d_w2"][:, v["z"] < 0].any() and not v["d_w1"][v["z"] < 0].any()


def test_ap_worked_list_matches_a_hand_calculation():
    from archlens.site.plots_detection_metrics import ap_numbers
    n = ap_numbers()
    # By hand: hits at ranks 1, 2, 4 of 6 detections; 4 objects, one never found.
    assert n["hit"] == [True, True, False, True, False, False]
    np.testing.assert_allclose(n["precision"], [1, 1, 2 / 3, 3 / 4, 3 / 5, 3 / 6], rtol=1e-6)
    np.testing.assert_allclose(n["recall"], [.25, .5, .5, .75, .75, .75], rtol=1e-6)
    np.testing.assert_allclose(n["envelope"], [1, 1, .75, .75, .6, .5], rtol=1e-6)
    assert n["ap"] == pytest.approx(0.25 * 1 + 0.25 * 1 + 0.25 * 0.75)


def test_ap_rewards_ranking_hits_first():
    # The page's claim: the same boxes with the duplicate ranked last score AP 0.75.
    from archlens.site import plots_detection_metrics as pdm
    from archlens.train.metrics import average_precision
    assert average_precision(torch.tensor([.25, .5, .75]), torch.ones(3)) == pytest.approx(0.75)
    assert pdm.ap_numbers()["ap"] < 0.75


def test_hinge_worked_windows_match_a_hand_calculation():
    from archlens.site.plots_detection_metrics import hinge_numbers
    n = hinge_numbers()
    # max(0, 1 - y s) for (+1, 2.0), (+1, 0.4), (-1, -1.5), (-1, 0.3)
    np.testing.assert_allclose(n["loss"], [0.0, 0.6, 0.0, 1.3])
    assert n["mean"] == pytest.approx(1.9 / 4)



@pytest.mark.parametrize("slug", ["neural-networks", "detection", "convolution"])
def test_page_text_renders_and_shows_exactly_its_figures(slug):
    # The text alone (no figure drawn): every placeholder filled, every figure embedded.
    import re
    from archlens.site.concepts import FIGURE_DIR, PAGES, _environment, model_linker
    from archlens.site.mdtext import figure_attrs
    page = next(p for p in PAGES if p.slug == slug)
    text = _environment().get_template(f"concepts/{slug}.md.j2").render(
        pages=PAGES, figure_dir=FIGURE_DIR, figure_attrs=figure_attrs, widths={},
        model_link=model_linker(None), **page.context())
    assert "{{" not in text and "{%" not in text and "nan" not in text.split()
    assert set(re.findall(rf"{FIGURE_DIR}/([\w-]+)-(?:light|dark)\.svg", text)) == set(page.figures)


def test_conv_page_examples_match_torch():
    import torch.nn.functional as F
    from archlens.site.conv_examples import conv_examples
    v = conv_examples()
    t = lambda a: torch.tensor(a, dtype=torch.float64)[None]  # noqa: E731  (batch of one)
    k = v["pool_k"]
    np.testing.assert_array_equal(v["pool_max"], F.max_pool2d(t(v["pool_x"])[None], k)[0, 0])
    np.testing.assert_allclose(v["pool_avg"], F.avg_pool2d(t(v["pool_x"])[None], k)[0, 0])
    theirs = F.conv2d(t(v["stride_x"])[None], t(v["stride_k"])[None], stride=v["stride"],
                      padding=v["pad"])[0, 0]
    np.testing.assert_allclose(v["stride_y"], theirs)
    assert theirs.shape[-1] == v["stride_n"]
    same = F.conv2d(t(v["stride_x"])[None], t(v["stride_k"])[None], padding=1)
    assert same.shape[-1] == v["same_n"]
    w = torch.tensor(v["one_w"], dtype=torch.float64)[:, :, None, None]
    np.testing.assert_allclose(v["one_y"], F.conv2d(t(v["one_x"]), w)[0])


def test_conv_page_parameter_counts_match_nn_conv2d():
    from archlens.site.conv_examples import conv_examples
    for name, (c_in, c_out, k, n) in conv_examples()["params"].items():
        layer = torch.nn.Conv2d(c_in, c_out, k, device="meta")
        assert n == sum(p.numel() for p in layer.parameters()), name


def test_concept_pages_link_only_to_model_pages_the_site_has():
    # A course site of its own specs has no vgg16 page: the link would be dead (mkdocs --strict).
    from archlens.site.concepts import model_linker
    assert model_linker({"vgg16"})("vgg16", "VGG-16 worksheet", "worksheet") == \
        "[VGG-16 worksheet](../models/vgg16.md#worksheet)"
    assert model_linker({"mine"})("fcn8s", "FCN-8s page") == "FCN-8s page (`archlens site fcn8s`)"

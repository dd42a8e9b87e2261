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

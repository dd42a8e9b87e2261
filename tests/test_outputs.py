"""Multi-output specs (``outputs:``): the built model returns every output, verify checks each.

Oracles: a hand-built torch model with the same weights (the two heads' values), fvcore and
torchinfo on the built model (each head's flops present, not pruned as an unused branch)."""
import pytest
import torch
from torch import nn

import archlens
from archlens.errors import TrainError
from archlens.verification.oracle import verify

TWO_HEADS = {
    "name": "two_heads", "input": [3, 8, 8],
    "layers": [
        {"name": "conv1", "kind": "conv", "out_channels": 4, "kernel_size": 3, "padding": 1},
        {"name": "relu1", "kind": "relu"},
        {"name": "flat", "kind": "flatten"},
        {"name": "cls", "kind": "linear", "out_features": 6, "inputs": "flat"},   # class scores
        {"name": "box", "kind": "linear", "out_features": 4, "inputs": "flat"},   # box deltas
    ]}


def test_every_unread_layer_is_returned_in_spec_order_and_equals_a_hand_built_model():
    torch.manual_seed(0)
    model = archlens.build_model(TWO_HEADS).eval()
    assert model.output_names == ("cls", "box")
    conv, cls, box = nn.Conv2d(3, 4, 3, padding=1), nn.Linear(256, 6), nn.Linear(256, 4)
    for mine, theirs in ((conv, model.conv1), (cls, model.cls), (box, model.box)):
        mine.load_state_dict(theirs.state_dict())
    x = torch.randn(2, 3, 8, 8)
    feats = torch.relu(conv(x)).flatten(1)
    got = model(x)
    assert isinstance(got, tuple) and len(got) == 2
    assert torch.allclose(got[0], cls(feats)) and torch.allclose(got[1], box(feats))


def test_declared_outputs_pick_and_order_what_is_returned():
    torch.manual_seed(0)
    model = archlens.build_model({**TWO_HEADS, "outputs": ["box", "relu1"]}).eval()
    x = torch.randn(1, 3, 8, 8)
    box, relu1 = model(x)
    assert torch.equal(relu1, torch.relu(model.conv1(x)))
    assert torch.allclose(box, model.box(relu1.flatten(1)))
    one = archlens.build_model({**TWO_HEADS, "outputs": ["cls"]})(x)
    assert isinstance(one, torch.Tensor) and one.shape == (1, 6)


def test_a_chain_still_returns_one_tensor():
    spec = archlens.load_spec("mlp")
    model = archlens.build_model(spec)
    out = model(torch.zeros(2, *spec.input))
    assert model.output_names == (spec.layers[-1].name,) and isinstance(out, torch.Tensor)


@pytest.mark.parametrize("outputs", [None, ["box", "relu1", "cls"]])
def test_verify_checks_each_output_and_both_peers_see_both_heads(outputs):
    spec = TWO_HEADS if outputs is None else {**TWO_HEADS, "outputs": outputs}
    report = verify(spec)
    assert report.ok, [(c.layer, c.quantity, c.ours, c.theirs) for c in report.failures]
    fv = {c.layer: c.theirs for c in report.checks if c.quantity == "fvcore flops"}
    assert fv["cls"] == 256 * 6 and fv["box"] == 256 * 4          # fvcore: one flop per MAC
    shapes = {c.layer: c.theirs for c in report.checks if c.quantity == "output"}
    want = {"cls": (6,), "box": (4,), "relu1": (4, 8, 8)}
    assert shapes == {k: want[k] for k in (outputs or ["cls", "box"])}


def test_training_refuses_a_spec_with_two_outputs():
    from types import SimpleNamespace
    from archlens.train.model import training_model
    config = SimpleNamespace(seed=0, input=None, width=1.0, init="default", memory_format="nchw")
    with pytest.raises(TrainError, match=r"training needs one output, the spec has 2 \(cls, box\)"):
        training_model(TWO_HEADS, config, None)

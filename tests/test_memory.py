"""Memory figures (archlens.core.memory) against torch on the built model and by hand.

Oracles: torch itself (a TorchDispatchMode with storage weakrefs counting live bytes after every
op; torch.autograd.graph.saved_tensors_hooks; torch.optim's state after a step) and sums done by
hand for a small net and for VGG-16's first layers.
"""
from dataclasses import dataclass

import pytest
import torch
from test_kinds import CASES, example_spec

import archlens
from archlens.core.kinds import KINDS, register
from archlens.core.kinds.args import Bool
from archlens.core.memory import in_place_variant, memory, training
from archlens.core.profile import profile
from archlens.spec.load import scale_width, with_input
from archlens.verification.memory import memory_checks
from archlens.verification.oracle import Check


def _fed(name: str, index: int) -> dict:
    """An example whose (single) input comes out of a trainable layer, so autograd records the
    layer under test and its saved tensors show; merges already read trainable 1x1 convs."""
    doc = example_spec(name, index)
    if len(doc["layers"]) > 1:
        return doc
    shape = doc["input"]
    src = ({"kind": "conv", "out_channels": shape[0], "kernel_size": 1} if len(shape) == 3
           else {"kind": "linear", "out_features": shape[0]})
    return {**doc, "layers": [{"name": "src", **src}, *doc["layers"]]}


@pytest.mark.parametrize("name,index", CASES)
def test_every_kind_example_live_and_saved_bytes_equal_torch(name, index):
    spec = archlens.load_spec(_fed(name, index))
    checks = memory_checks(spec, profile(spec), Check)
    assert [c for c in checks if not c.ok] == []
    assert {"live bytes", "saved bytes"} <= {c.quantity for c in checks if c.layer == "under_test"}


TINY = {"name": "tiny", "input": [3, 8, 8], "layers": [
    {"name": "conv", "kind": "conv", "out_channels": 4, "kernel_size": 3, "padding": 1},
    {"name": "relu", "kind": "relu"},
    {"name": "pool", "kind": "maxpool", "kernel_size": 2},
    {"name": "flat", "kind": "flatten"},
    {"name": "fc", "kind": "linear", "out_features": 5}]}


def test_tiny_net_by_hand():
    m = memory(profile(archlens.load_spec(TINY)))
    x, conv, pool, idx, fc = 3 * 64 * 4, 4 * 64 * 4, 4 * 16 * 4, 4 * 16 * 8, 5 * 4
    live = {"conv": x + conv, "relu": x + 2 * conv, "pool": x + conv + pool + idx,
            "flat": x + pool, "fc": x + pool + fc}   # conv freed after relu, relu after pool
    assert {lm.name: lm.live_bytes for lm in m.layers} == live
    assert (m.peak_bytes, m.peak_layer) == (x + 2 * conv, "relu")
    # conv keeps x, relu its output, pool that same output (once) and int64 indices, fc the
    # flattened pool output: a view, so pool's storage
    saved = {"conv": x, "relu": conv, "pool": idx, "flat": 0, "fc": pool}
    assert {lm.name: lm.saved_bytes for lm in m.layers} == saved
    assert m.saved_bytes == sum(saved.values())
    assert m.storage_bytes == 2 * conv + pool + fc and m.outputs_bytes == 2 * conv + 2 * pool + fc


def test_tiny_net_training_by_hand_and_against_torch():
    spec = archlens.load_spec(TINY)
    prof = profile(spec)
    params = (27 * 4 + 4) + (64 * 5 + 5)
    adam = training(prof, 3, "adam")
    assert (adam.params_bytes, adam.grads_bytes) == (4 * params, 4 * params)
    assert adam.optimizer_bytes == 2 * 4 * params + 4 * 4   # exp_avg, exp_avg_sq; 4 steps
    assert training(prof, 3, "sgd_momentum").optimizer_bytes == 4 * params
    assert adam.saved_bytes == 3 * memory(prof).saved_bytes
    assert adam.total_bytes == 4 * params * 4 + 16 + adam.saved_bytes
    assert all(c.ok for c in memory_checks(spec, prof, Check))


def test_vgg16_figures_by_hand_and_against_torch_at_small_input():
    prof = profile("vgg16")
    m = memory(prof)
    x, conv1 = 3 * 224 * 224 * 4, 64 * 224 * 224 * 4
    assert (m.peak_bytes, m.peak_layer) == (x + 2 * conv1, "relu1_1")   # ReLU out of place
    assert m.outputs_bytes == sum(lp.activation_bytes for lp in prof.layers)
    assert memory(prof, 4).peak_bytes == 4 * m.peak_bytes
    # VGG-16's layers at 3x32x32 and a quarter of the width: the same views, in-place results,
    # saved tensors and frees, at a 16th of the work (the CLI's verify runs it at full width)
    spec = scale_width(with_input(archlens.load_spec("vgg16"), (3, 32, 32)), 0.25)
    checks = memory_checks(spec, profile(spec), Check)
    assert len(checks) > 60 and all(c.ok for c in checks)


@dataclass(frozen=True)
class _InplaceArgs:
    inplace: Bool = False


def test_an_in_place_kind_shares_its_input_storage_in_the_analysis_and_in_torch():
    @register("relu_inplace_probe")
    class Probe(type(KINDS["relu"])):
        Args = _InplaceArgs

        def build(self, a, ins):
            return torch.nn.ReLU(inplace=a.inplace)
    assert Probe.name == "relu_inplace_probe"
    try:
        doc = {**TINY, "name": "tiny_inplace",
               "layers": [TINY["layers"][0], {"name": "relu", "kind": "relu_inplace_probe"},
                          *TINY["layers"][2:]]}
        out_of_place = profile(archlens.load_spec(doc))
        assert memory(out_of_place).storage_bytes == 2 * 4 * 64 * 4 + 4 * 16 * 4 + 5 * 4
        prof = in_place_variant(out_of_place)   # the probe's inplace argument switched on
        spec = prof.spec
        m = memory(prof)
        assert m.storage_bytes == 4 * 64 * 4 + 4 * 16 * 4 + 5 * 4   # relu shares conv's storage
        conv = 4 * 64 * 4
        relu = {lm.name: lm for lm in m.layers}["relu"]
        assert not relu.new_storage and relu.live_bytes == 3 * 64 * 4 + conv
        assert relu.saved_bytes == conv and m.saved_bytes == 3 * 64 * 4 + conv + 4 * 16 * 8 + 4 * 16 * 4
        assert all(c.ok for c in memory_checks(spec, prof, Check))
    finally:
        KINDS.pop("relu_inplace_probe")


def test_profile_batch_flag(cli):
    code, out, _ = cli("profile", "vgg16", "--batch", "2", "--format", "json")
    assert code == 0 and '"inference_peak_bytes": 52584448' in out   # 2 x (x + 2 conv1)
    with pytest.raises(SystemExit) as exit:   # argparse: one usage line, exit status 2
        cli("profile", "vgg16", "--batch", "0")
    assert exit.value.code == 2


def test_verify_shows_the_peers_memory_figures_and_fails_a_wrong_saved_rule(monkeypatch):
    from archlens.render.verify_report import to_text
    spec = archlens.load_spec(TINY)
    report = archlens.verify(spec)
    text = to_text(report)
    assert report.ok, report.failures
    # torchinfo: 2 x outputs of the layers with parameters (conv, fc); fvcore: their elements
    conv, fc = 4 * 64 * 4, 5 * 4
    assert f"torchinfo forward/backward bytes {2 * (conv + fc):,}" in text
    assert f"fvcore activations {4 * 64 + 5:,}" in text
    assert "inference peak 2,816 (at relu)" in text
    monkeypatch.setattr(type(KINDS["relu"]), "saved", lambda self, a, ins, out, trainable: [])
    bad = archlens.verify(spec, peers=False)
    # relu keeps nothing by the broken rule, so pool is then the first to keep relu's output
    assert [(c.layer, c.quantity) for c in bad.failures] == [("relu", "saved bytes"),
                                                              ("pool", "saved bytes")]


def test_vgg16_page_names_each_memory_figure(tmp_path):
    from archlens.site.memory_page import memory_section
    from archlens.site.spec_page import PageData, header, layer_table
    spec = archlens.load_spec("vgg16")
    d = PageData(spec, profile(spec), "vgg16", tmp_path)
    text = header(d) + layer_table(d) + memory_section(d)
    outputs = sum(lp.activation_bytes for lp in d.profile.layers) / 2**20
    peak = (3 * 224 * 224 + 2 * 64 * 224 * 224) * 4 / 2**20   # input + conv1_1 + relu1_1
    assert f"| every layer's output, added | {outputs:.1f} MiB" in text
    assert f"| inference peak | {peak:.1f} MiB" in text and "at `relu1_1`" in text
    assert "| saved for backward |" in text and "saved MiB" in text and "live MiB" in text
    assert "torchinfo's *forward/backward pass size*" in text and "CS231n" in text


def test_a_two_head_spec_keeps_both_heads_and_trains_both():
    from test_outputs import TWO_HEADS
    spec = archlens.load_spec(TWO_HEADS)
    prof = profile(spec)
    m = {lm.name: lm for lm in memory(prof).layers}
    x, act, cls, box = 3 * 64 * 4, 4 * 64 * 4, 6 * 4, 4 * 4
    assert m["box"].live_bytes == x + act + cls + box   # cls returned, so still alive
    params = (27 * 4 + 4) + (256 * 6 + 6) + (256 * 4 + 4)
    assert training(prof, 1, "sgd").grads_bytes == 4 * params
    assert all(c.ok for c in memory_checks(spec, prof, Check))

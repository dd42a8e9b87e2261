"""FCN-32s/16s/8s (Long, Shelhamer & Darrell, CVPR 2015) against their reference Caffe nets,
PyTorch itself and hand calculations."""
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

import archlens
from archlens.core.kinds import get_kind
from archlens.core.kinds.args import parse_args
from archlens.render.verify_report import to_text
from archlens.spec.load import load_spec, scale_width

FCNS = ("fcn32s", "fcn16s", "fcn8s")
THIN = 1 / 16  # channels do not change shapes, offsets or fields; class count stays 21
SIZES = [(32, 32), (33, 33), (224, 224), (300, 300), (333, 333), (375, 500)]

# Crop offsets of the reference nets (voc-fcn*/net.py, derived there by coord_map.crop).
CAFFE_OFFSETS = {"fcn32s": {"score": 19},
                 "fcn16s": {"score_pool4c": 5, "score": 27},
                 "fcn8s": {"score_pool4c": 5, "score_pool3c": 9, "score": 31}}

VGG16_CONVS = 14_714_688                   # torchvision vgg16 params minus its classifier
HEAD = (7 * 7 * 512 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 21 + 21)  # fc6, fc7, score_fr
SKIP4, SKIP3 = 512 * 21 + 21, 256 * 21 + 21   # score_pool4, score_pool3
UP2 = 4 * 4 * 21 * 21                      # upscore2 / upscore_pool4: no bias, full 21x21
HAND_PARAMS = {  # (total, frozen): the final upsampler is frozen
    "fcn32s": (VGG16_CONVS + HEAD + 64 * 64 * 21 * 21, 64 * 64 * 21 * 21),
    "fcn16s": (VGG16_CONVS + HEAD + SKIP4 + UP2 + 32 * 32 * 21 * 21, 32 * 32 * 21 * 21),
    "fcn8s": (VGG16_CONVS + HEAD + SKIP4 + SKIP3 + 2 * UP2 + 16 * 16 * 21 * 21, 16 * 16 * 21 * 21),
}


@pytest.mark.parametrize("name", FCNS)
@pytest.mark.parametrize("hw", SIZES, ids=lambda hw: f"{hw[0]}x{hw[1]}")
def test_score_map_has_the_input_size(name, hw):
    assert archlens.profile(name, input=(3, *hw)).layers[-1].out_shape == (21, *hw)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(FCNS), st.integers(32, 700), st.integers(32, 700))
def test_score_map_has_the_input_size_for_any_size(name, h, w):
    p = archlens.profile(name, input=(3, h, w))
    assert p.layers[-1].out_shape == (21, h, w)
    assert {k: p.layer(k).extra["offset"] for k in CAFFE_OFFSETS[name]} == \
        {k: [v, v] for k, v in CAFFE_OFFSETS[name].items()}


@pytest.mark.parametrize("name", FCNS)
def test_built_model_outputs_the_input_size(name):
    model = archlens.build_model(name, input=(3, 33, 47), width=THIN).eval()
    with torch.no_grad():
        for hw in [(33, 47), (64, 64), (101, 75)]:  # one model, several sizes: offsets are size-free
            assert model(torch.randn(1, 3, *hw)).shape == (1, 21, *hw)


@pytest.mark.parametrize("name", FCNS)
def test_crop_offsets_equal_the_reference_nets(name):
    p = archlens.profile(name, input=(3, 375, 500))
    crops = {lp.name: lp.extra["offset"] for lp in p.layers if lp.kind == "crop"}
    assert crops == {k: [v, v] for k, v in CAFFE_OFFSETS[name].items()}
    assert crops == {k: list(v) for k, v in p.spec.expected["offsets"].items()}


@pytest.mark.parametrize("name", FCNS)
def test_parameters_by_hand_and_by_torch(name):
    total, frozen = HAND_PARAMS[name]
    p = archlens.profile(name)
    assert (p.totals.params, p.totals.frozen_params) == (total, frozen)
    assert (p.spec.expected["params"], p.spec.expected["trainable_params"]) == (total, total - frozen)
    with torch.device("meta"):
        model = archlens.build_model(name)
    assert sum(t.numel() for t in model.parameters()) == total
    assert sum(t.numel() for t in model.parameters() if t.requires_grad) == total - frozen


def test_layer_names_follow_the_reference_nets():
    names = {l.name for l in load_spec("fcn8s").layers}
    assert {"fc6", "fc7", "score_fr", "upscore2", "score_pool4", "score_pool4c", "fuse_pool4",
            "upscore_pool4", "score_pool3", "score_pool3c", "fuse_pool3", "upscore8", "score"} <= names
    assert {"upscore", "score"} <= {l.name for l in load_spec("fcn32s").layers}
    assert "upscore16" in {l.name for l in load_spec("fcn16s").layers}


def test_backbone_is_vgg16_with_caffe_geometry():
    fcn, vgg = load_spec("fcn8s"), load_spec("vgg16")
    convs = [l for l in fcn.layers if l.name.startswith("conv")]
    assert [l.name for l in convs] == [l.name for l in vgg.layers if l.name.startswith("conv")]
    assert fcn.layer("conv1_1").args.padding == (100, 100)
    assert all(l.args.ceil_mode for l in fcn.layers if l.kind == "maxpool")
    assert fcn.layer("fc6").args.kernel_size == (7, 7) and fcn.layer("fc6").kind == "conv"


def test_deconvolutions_learned_and_fixed():
    spec = load_spec("fcn8s")
    for name, frozen, k, s in [("upscore2", False, 4, 2), ("upscore_pool4", False, 4, 2),
                               ("upscore8", True, 16, 8)]:
        layer = spec.layer(name)
        assert (layer.frozen, layer.args.kernel_size, layer.args.stride) == (frozen, (k, k), (s, s))
        assert layer.args.init == "bilinear" and layer.args.bias is False
    model = archlens.build_model(spec, input=(3, 64, 64), width=THIN)
    assert model.upscore8.weight.requires_grad is False and model.upscore2.weight.requires_grad


@pytest.mark.parametrize("k,s", [(4, 2), (16, 8), (32, 16), (64, 32)])
def test_bilinear_deconvolution_is_bilinear_interpolation(k, s):
    """Independent oracle: F.interpolate(bilinear, align_corners=False). Deconvolution output o
    sits at input index (o − (k−1)/2)/s, interpolate's o' at (o' + 1/2)/s − 1/2: o' = o − s/2."""
    args = parse_args(get_kind("conv_transpose").Args, {"out_channels": 3, "kernel_size": k,
                                                        "stride": s, "bias": False, "init": "bilinear"})
    deconv = get_kind("conv_transpose").build(args, [(3, 6, 7)])
    x = torch.randn(1, 3, 6, 7, dtype=torch.float64)
    with torch.no_grad():
        up = deconv.double()(x)
    ref = F.interpolate(x, scale_factor=s, mode="bilinear", align_corners=False)
    h, w = ref.shape[2:]
    interior = (slice(None), slice(None), slice(s, h - s), slice(s, w - s))
    shifted = up[:, :, s // 2: s // 2 + h, s // 2: s // 2 + w]
    torch.testing.assert_close(shifted[interior], ref[interior])


def test_merges_take_the_per_unit_hull():
    p = archlens.profile("fcn8s", input=(3, 375, 500))
    assert all(lp.rf is not None for lp in p.layers)
    for fuse, a, b in [("fuse_pool4", "upscore2", "score_pool4c"), ("fuse_pool3", "upscore_pool4", "score_pool3c")]:
        assert p.layer(fuse).rf.size == tuple(max(x, y) for x, y in zip(p.layer(a).rf.size, p.layer(b).rf.size))
        assert p.layer(fuse).rf.start == p.layer(a).rf.start == p.layer(b).rf.start
    # by hand: pool5 212 + 6·32 (fc6) = 404; each output of the 4/2 upscore2 reads two score_fr
    # units, 404 + (2 - 1)·32 = 436 (not the enclosing 404 + 3·32/2 = 452); jump 32 -> 16 -> 8 -> 1
    assert p.layer("score_fr").rf.size == (404, 404)
    assert p.layer("upscore2").rf.size == (436, 436)
    assert [p.layer(n).rf.jump[0] for n in ("score_fr", "upscore2", "upscore_pool4", "score")] == [32, 16, 8, 1]


@pytest.mark.slow  # the footprint runs on an unclipped input (about 1200x1200 here)
def test_verify_thin_fcn8s_and_named_torchinfo_overcount():
    report = archlens.verify(scale_width(load_spec("fcn8s"), THIN), input=(3, 67, 90))
    assert report.ok, report.failures
    ti = {c.layer: c for c in report.checks if c.quantity == "torchinfo mult-adds"}
    macs = {lp.name: lp.macs.value for lp in report.profile.layers}
    # the 2x deconvolution: torchinfo counts output positions, we count input positions
    lp = report.profile.layer("upscore2")
    (_, hi, wi), (_, ho, wo) = lp.in_shapes[0], lp.out_shape
    assert ti["upscore2"].theirs * hi * wi == macs["upscore2"] * ho * wo
    assert "overcounts strided ConvTranspose2d" in ti["upscore2"].reason
    assert "4x at stride 2" in ti["upscore2"].reason
    assert "upscore2" in to_text(report).split("overcounts strided ConvTranspose2d")[1].splitlines()[0]
    # on a large map, (2n + 2)^2 / n^2 -> 4: the "4x" torchinfo over-count
    kind, args = get_kind("conv_transpose"), load_spec("fcn8s").layer("upscore2").args
    ins, out = [(21, 200, 200)], kind.shape(args, [(21, 200, 200)])
    assert kind.torchinfo_macs(args, ins, out)[0] / kind.macs(args, ins, out).value == pytest.approx(4, rel=0.03)
    rf = [c for c in report.checks if c.quantity == "rf" and c.layer == "score"]
    assert rf and rf[0].ours == rf[0].theirs == (468, 468)   # the largest field, by phase


def test_profile_table_and_json_show_offsets(cli):
    code, out, _ = cli("profile", "fcn8s")
    assert code == 0 and "offset 31,31" in out and "notes" in out
    assert "112,896 frozen" in out
    import json
    code, out, _ = cli("profile", "fcn16s", "--format", "json")
    layers = {l["name"]: l for l in json.loads(out)["layers"]}
    assert layers["score_pool4c"]["offset"] == [5, 5] and layers["score"]["offset"] == [27, 27]
    assert json.loads(out)["totals"]["frozen_params"] == 32 * 32 * 21 * 21


@pytest.mark.spread
@pytest.mark.slow
def test_verify_fcn8s_full_width():
    report = archlens.verify("fcn8s", input=(3, 40, 56))
    assert report.ok, report.failures


def test_deconvolution_field_is_exact_per_phase():
    """After a strided deconvolution a unit's true field depends on its phase mod s; verify
    measures one unit per phase and each must equal its analytic extent, the largest the
    printed size."""
    spec = {"name": "up", "input": [1, 96, 96], "layers": [
        {"name": "down", "kind": "conv", "out_channels": 2, "kernel_size": 3, "stride": 4, "padding": 1},
        {"name": "up", "kind": "conv_transpose", "out_channels": 2, "kernel_size": 4, "stride": 2}]}
    report = archlens.verify(spec, peers=False)
    assert report.ok, report.failures
    (size,) = [c for c in report.checks if c.quantity == "rf" and c.layer == "up"]
    (extent,) = [c for c in report.checks if c.quantity == "rf extent" and c.layer == "up"]
    assert size.ours == size.theirs == (7, 7)        # 3 + (2 - 1)·4: two inputs per output
    assert len(extent.theirs) == 2 and extent.ours == extent.theirs   # both phases measured

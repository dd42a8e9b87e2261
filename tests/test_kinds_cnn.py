"""The kinds real CNNs need (issue 15) and merges of misaligned inputs (issue 16 item 7).

Oracles: torch's own modules (nn.Conv2d(padding='same'), broadcasting), hand calculations
from the layer definitions, and the gradient footprint (archlens/verification/footprint.py).
The registry-wide tests (tests/test_kinds.py) run every kind's examples against torch too.
"""
import warnings
from fractions import Fraction

import pytest
import torch

import archlens
from archlens.errors import ProfileWarning
from archlens.verification import footprint

from archlens_testing import ROOT

FIXTURE = ROOT / "tests" / "specs" / "cnn_kinds.yaml"


def spec(layers, input=(3, 16, 16)):
    return archlens.load_spec({"name": "t", "input": list(input), "layers": layers})


@pytest.mark.parametrize("k,d", [(4, 1), (2, 3), (3, 2), ([4, 5], [1, 2])])
def test_same_padding_builds_what_torch_runs_with_the_field_start_by_hand(k, d):
    s = spec([{"name": "c", "kind": "conv", "out_channels": 2, "kernel_size": k,
               "dilation": d, "padding": "same"}], (3, 11, 10))
    model = archlens.build_model(s).eval()
    kk = (k, k) if isinstance(k, int) else tuple(k)
    dd = (d, d) if isinstance(d, int) else tuple(d)
    ref = torch.nn.Conv2d(3, 2, kk, dilation=dd, padding="same")
    ref.load_state_dict(model.c.state_dict())
    x = torch.randn(1, 3, 11, 10)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")   # torch's note on even kernels: a padded copy
        assert torch.allclose(model(x), ref(x), atol=1e-6)
    lp = archlens.profile(s).layer("c")
    assert lp.out_shape == (2, 11, 10)
    # torch pads d(k-1)//2 before: unit 0's taps run from -before to -before + d(k-1)
    before = [dv * (kv - 1) // 2 for kv, dv in zip(kk, dd)]
    assert lp.rf.start == tuple(Fraction(-b + (-b + dv * (kv - 1)), 2)
                                for b, kv, dv in zip(before, kk, dd))
    assert lp.rf.size == tuple(dv * (kv - 1) + 1 for kv, dv in zip(kk, dd))
    assert lp.params.total == 3 * 2 * kk[0] * kk[1] + 2
    assert lp.macs.value == 11 * 10 * 2 * 3 * kk[0] * kk[1]


def test_valid_padding_is_no_padding():
    a = archlens.profile(spec([{"name": "c", "kind": "conv", "out_channels": 2, "kernel_size": 3,
                                "padding": "valid"}])).layer("c")
    assert a.out_shape == (2, 14, 14) and a.rf.start == (1, 1)


RESNET_D = [  # He et al. 2019 (Bag of Tricks) Fig. 2c: the downsampling shortcut of ResNet-D
    {"name": "main", "kind": "conv", "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": 1},
    {"name": "pool", "kind": "avgpool", "kernel_size": 2, "stride": 2, "inputs": ["input"]},
    {"name": "short", "kind": "conv", "out_channels": 4, "kernel_size": 1},
    {"name": "fuse", "kind": "add", "inputs": ["main", "short"]},
    {"name": "after", "kind": "conv", "out_channels": 4, "kernel_size": 3, "padding": 1},
]


def test_resnet_d_shortcut_profiles_warns_and_its_field_is_the_gradient_footprint():
    with pytest.warns(ProfileWarning, match=r"layer 'fuse' \(add\): merging 'main' and 'short'.*"
                                            r"1/2, 1/2 input pixels apart"):
        p = archlens.profile(spec(RESNET_D))
    fuse = p.layer("fuse")
    # by hand: main reads rows 2i-1..2i+1, the pooled shortcut 2i..2i+1; union 2i-1..2i+1
    assert (fuse.rf.size, fuse.rf.jump, fuse.rf.start) == ((3, 3), (2, 2), (0, 0))
    assert fuse.extra == {"misaligned_px": ["1/2", "1/2"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ProfileWarning)   # seen above; the build profiles too
        model = footprint_model(spec(RESNET_D))
    for name in ("fuse", "after"):
        rf = p.layer(name).rf
        for unit in [(3, 4), (5, 2)]:
            got = footprint.measured_extent(model, (3, 16, 16), {name: unit})[name]
            assert got == footprint.predicted_extent(rf, unit, (16, 16)), (name, unit)


def footprint_model(s):
    model = archlens.build_model(s).double().eval()
    footprint.positive_(model)
    return model


def test_align_true_keeps_the_error():
    layers = [dict(l) for l in RESNET_D]
    layers[3]["align"] = True
    with pytest.raises(archlens.SpecError, match="cannot merge 'main' and 'short': centres do not align"):
        archlens.profile(spec(layers))


def test_a_misaligned_merge_warns_on_one_stderr_line_and_exits_0(cli, tmp_path):
    import yaml
    path = tmp_path / "resnet_d.yaml"
    path.write_text(yaml.safe_dump({"name": "resnet_d", "input": [3, 16, 16], "layers": RESNET_D}))
    code, out, err = cli("profile", path)
    assert code == 0 and "misaligned_px 1/2,1/2" in out
    assert err.count("\n") == 1 and err.startswith("archlens: warning: ") and "'fuse' (add)" in err


SE = [  # Hu et al. 2018, Fig. 3: squeeze (global mean), excite (two 1x1 convs), scale
    {"name": "x", "kind": "conv", "out_channels": 4, "kernel_size": 3, "padding": 1},
    {"name": "squeeze", "kind": "mean", "dim": [2, 3], "keepdim": True},
    {"name": "fc1", "kind": "conv", "out_channels": 2, "kernel_size": 1},
    {"name": "act", "kind": "relu"},
    {"name": "fc2", "kind": "conv", "out_channels": 4, "kernel_size": 1},
    {"name": "gate", "kind": "sigmoid"},
    {"name": "scale", "kind": "mul", "inputs": ["x", "gate"]},
]


def test_squeeze_excitation_broadcasts_and_has_no_local_field_because_units_read_everything():
    s = spec(SE, (3, 12, 10))
    p = archlens.profile(s)
    assert p.layer("squeeze").out_shape == (4, 1, 1) and p.layer("scale").out_shape == (4, 12, 10)
    assert p.layer("scale").rf is None and "no field" in p.layer("scale").extra["rf_none"]
    # the claim behind 'none': every unit of the scaled map reads the whole input
    got = footprint.measured_extent(footprint_model(s), (3, 12, 10), {"scale": (0, 0)})["scale"]
    assert got == ((0, 11), (0, 9))
    x = torch.randn(2, 3, 12, 10)
    model = archlens.build_model(s).eval()
    with torch.no_grad():
        conv = model.x(x)
        gate = torch.sigmoid(model.fc2(torch.relu(model.fc1(conv.mean((2, 3), keepdim=True)))))
        assert torch.allclose(model(x), conv * gate, atol=1e-6)


BROADCAST = [{"name": "a", "kind": "conv", "out_channels": 2, "kernel_size": 1},
             {"name": "b", "kind": "avgpool", "kernel_size": 16, "inputs": ["a"]},
             {"name": "m", "kind": "add", "inputs": ["a", "b"]}]


def test_a_spatially_broadcast_input_with_a_field_gives_none():
    with warnings.catch_warnings():
        warnings.simplefilter("error", ProfileWarning)   # no misalignment to speak of
        p = archlens.profile(spec(BROADCAST))
    assert p.layer("b").rf.size == (16, 16) and p.layer("m").rf is None
    assert p.layer("m").extra["rf_none"] == "an input is broadcast over positions"


def test_different_jumps_merge_with_no_field_and_a_warning():
    with pytest.warns(ProfileWarning, match="jumps differ"):
        p = archlens.profile(spec([
            {"name": "a", "kind": "conv", "out_channels": 2, "kernel_size": 3, "stride": 2},
            {"name": "b", "kind": "conv", "out_channels": 2, "kernel_size": 11, "inputs": ["input"]},
            {"name": "m", "kind": "concat", "inputs": ["a", "b"]}], (3, 18, 18)))
    assert p.layer("a").out_shape == p.layer("b").out_shape == (2, 8, 8) and p.layer("m").rf is None
    assert p.layer("m").extra == {"rf_none": "jumps differ"}


@pytest.mark.parametrize("dim,keepdim,shape", [([2, 3], False, (4,)), ([-1, -2], True, (4, 1, 1)),
                                               (1, True, (1, 5, 6)), ([1, 3], False, (5,))])
def test_mean_dims_count_as_in_torch(dim, keepdim, shape):
    p = archlens.profile(spec([{"name": "m", "kind": "mean", "dim": dim, "keepdim": keepdim}], (4, 5, 6)))
    assert p.layer("m").out_shape == shape == tuple(torch.zeros(1, 4, 5, 6).mean(dim, keepdim)[0].shape)


def test_pad_moves_the_start_by_the_left_and_top_pad():
    s = spec([{"name": "p", "kind": "pad", "pad": [2, 0, 3, 1]},
              {"name": "c", "kind": "conv", "out_channels": 2, "kernel_size": 3}], (3, 8, 8))
    p = archlens.profile(s)
    assert p.layer("p").out_shape == (3, 12, 10) == tuple(torch.nn.functional.pad(
        torch.zeros(1, 3, 8, 8), (2, 0, 3, 1)).shape[1:])
    assert p.layer("p").rf.start == (-3, -2) and p.layer("c").rf.start == (-2, -1)
    assert archlens.verify(s, peers=False).ok


def test_the_fixture_verifies_and_its_worksheet_renders(cli):
    code, out, err = cli("verify", FIXTURE)
    assert code == 0 and out.rstrip().splitlines()[-1].startswith("OK: ")
    assert "'fuse' (add)" in err and "their union): fuse (0.5 px)" in out
    assert "rf not checked where the field is none" in out and "[se_mean, " in out
    code, out, _ = cli("worksheet", FIXTURE)
    assert code == 0
    for layer in ("stem", "border", "fuse", "se_mean", "scale", "norm", "flat"):
        assert layer in out


def test_the_union_field_working_evaluates_to_its_value():
    from latex_arith import evaluate
    from archlens.core.kinds import KINDS
    from archlens.core.geometry import RF
    in_rfs = [RF((3, 5), (2, 2), (0, Fraction(-1, 2))), RF((2, 4), (2, 2), (Fraction(1, 2), 2))]
    kind = KINDS["add"]
    a = kind.Args()
    out = kind.rf(a, in_rfs)
    # by hand: rows [-1, 1] and [0, 1] -> [-1, 1]; columns [-5/2, 3/2] and [1/2, 7/2] -> [-5/2, 7/2]
    assert out == RF((3, 7), (2, 2), (0, Fraction(1, 2)))
    calcs = kind.rf_calc(a, in_rfs, out)
    assert [evaluate(c.working) for c in calcs] == [3, 7]

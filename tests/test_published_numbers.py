"""Bundled specs against published tables (independent oracles written here, not read from specs)."""
import pytest

import archlens

# Simonyan & Zisserman (2014), Table 2 rounds these to 133/133/133/134/138/144 M; the exact
# weights-plus-biases counts are the ones torchvision's VGG models report for num_params.
VGG_PARAMS = {"vgg11": 132_863_336, "vgg11_lrn": 132_863_336, "vgg13": 133_047_848,
              "vgg16_c": 133_638_952, "vgg16": 138_357_544, "vgg19": 143_667_240}
VGG_TABLE2_MILLIONS = {"vgg11": 133, "vgg11_lrn": 133, "vgg13": 133, "vgg16_c": 134,
                       "vgg16": 138, "vgg19": 144}
# torchvision's published "GFLOPS" (it counts MACs) for the ImageNet-weights entries at 224.
TORCHVISION_GMACS = {"vgg11": 7.61, "vgg13": 11.31, "vgg16": 15.47, "vgg19": 19.63}


@pytest.mark.parametrize("name", sorted(VGG_PARAMS))
def test_vgg_parameter_counts_are_exact(name):
    p = archlens.profile(name)
    assert p.totals.params == VGG_PARAMS[name]
    assert round(p.totals.params / 1e6) == VGG_TABLE2_MILLIONS[name]


@pytest.mark.parametrize("name", sorted(TORCHVISION_GMACS))
def test_vgg_macs_match_torchvision_table(name):
    assert round(archlens.profile(name).totals.macs / 1e9, 2) == TORCHVISION_GMACS[name]


def test_vgg16_macs_and_receptive_field():
    p = archlens.profile("vgg16")
    assert p.totals.macs == 15_470_264_320
    assert p.layer("conv5_3").rf.size == (196, 196)
    assert p.layer("pool5").rf.size == (212, 212)
    assert p.layer("pool5").rf.jump == (32, 32)


def test_vgg16_c_has_1x1_third_convs():
    spec = archlens.load_spec("vgg16_c")
    for stage in (3, 4, 5):
        assert spec.layer(f"conv{stage}_3").args.kernel_size == (1, 1)
        assert spec.layer(f"conv{stage}_2").args.kernel_size == (3, 3)


def test_vgg11_lrn_differs_from_vgg11_only_by_lrn():
    a, b = archlens.load_spec("vgg11"), archlens.load_spec("vgg11_lrn")
    assert [l.name for l in b.layers if l.kind == "lrn"] == ["norm1"]
    assert [l.name for l in b.layers if l.kind != "lrn"] == [l.name for l in a.layers]


def test_hand_calculated_small_networks():
    assert archlens.profile("linear_regression").totals.params == 2  # slope and intercept
    # 3072*256 + 256 + 256*64 + 64 + 64*3 + 3, by hand
    assert archlens.profile("mlp").totals.params == 786_432 + 256 + 16_384 + 64 + 192 + 3


@pytest.mark.parametrize("name", archlens.bundled_specs())
def test_every_bundled_spec_meets_its_expected_block(name):
    p = archlens.profile(name)
    exp = p.spec.expected
    assert exp, f"{name} declares no expected numbers"
    if "params" in exp:
        assert p.totals.params == exp["params"]
    if "macs" in exp:
        assert p.totals.macs == exp["macs"]
    for layer, rf in (exp.get("rf") or {}).items():
        got = p.layer(layer).rf
        assert got.size == (rf["size"],) * 2
        if "jump" in rf:
            assert got.jump == (rf["jump"],) * 2


def test_layer_names_follow_caffe_convention():
    names = [l.name for l in archlens.load_spec("vgg16").layers]
    for n in ("conv1_1", "conv5_3", "pool1", "pool5", "fc6", "fc7", "fc8"):
        assert n in names

"""Detection specs against published numbers; stage profiles as functions of N; the
detection: section's validation; ``archlens profile --proposals`` output."""
import json

import pytest

import archlens
from archlens.detection.profile_stages import profile_stages

CAFFENET_IMAGENET_PARAMS = 60_965_224  # BVLC CaffeNet, 1000-way fc8


def test_rcnn_alexnet_is_caffenet_with_a_21_way_head():
    fc8_imagenet = 4096 * 1000 + 1000
    fc8_voc = 4096 * 21 + 21          # 20 VOC classes + background
    assert archlens.profile("rcnn_alexnet").totals.params == \
        CAFFENET_IMAGENET_PARAMS - fc8_imagenet + fc8_voc == 56_954_261
    p = archlens.profile("rcnn_alexnet")
    assert p.layer("conv1").out_shape == (96, 55, 55) and p.layer("pool5").out_shape == (256, 6, 6)


def test_zf5_map_sizes_follow_sppnet_table_1a():
    p = archlens.profile("rcnn_zf5")
    assert p.layer("pool1").out_shape[1:] == (55, 55)
    assert p.layer("conv2").out_shape[1:] == (27, 27)
    for name in ("conv3", "conv4", "conv5"):
        assert p.layer(name).out_shape[1:] == (13, 13)
    assert p.layer("pool5").out_shape == (256, 6, 6)
    # hand: conv1 7*7*3*96+96, conv2 5*5*96*256+256, conv3..5
    trunk = (7 * 7 * 3 * 96 + 96) + (5 * 5 * 96 * 256 + 256) + (9 * 256 * 384 + 384) \
        + (9 * 384 * 384 + 384) + (9 * 384 * 256 + 256)
    assert sum(lp.params.total for lp in p.layers[:14]) == trunk


def test_rcnn_total_is_n_times_the_per_region_network():
    n = 777
    stages = profile_stages("rcnn_zf5", n)
    per_region = archlens.profile("rcnn_zf5")
    cnn = per_region.totals.macs - per_region.layer("fc8").macs.value  # fc8: fine-tuning head only
    svm, bbox = 4096 * 20, 256 * 6 * 6 * 4 * 20
    assert stages.totals.macs == n * (cnn + svm + bbox)
    assert {s.name: s.runs for s in stages.stages} == {
        "proposals": 1, "warp": n, "conv": n, "fc": n, "svm": n, "bbox": n, "nms": 1}


def test_sppnet_total_is_conv_once_plus_n_heads():
    n = 777
    stages = profile_stages("sppnet_zf5", n)
    whole = archlens.profile("sppnet_zf5", input=(3, 688, 917))   # 375x500 -> shorter side 688
    conv_once = sum(lp.macs.value for lp in whole.layers[:14])
    assert whole.layers[13].name == "relu5" and whole.layer("relu5").out_shape == (256, 42, 56)
    fc = 12_800 * 4096 + 4096 * 4096
    assert stages.totals.macs == conv_once + n * (fc + 4096 * 20 + 12_800 * 4 * 20)
    assert stages.stage("conv").runs == 1 and stages.stage("fc").runs == n


def test_structural_gap_grows_with_proposals():
    ratios = [profile_stages("rcnn_zf5", n).totals.macs / profile_stages("sppnet_zf5", n).totals.macs
              for n in (100, 500, 2000)]
    assert 1 < ratios[0] < ratios[1] < ratios[2]
    zero = profile_stages("rcnn_zf5", 0)
    assert zero.totals.macs == 0 and zero.totals.params == profile_stages("rcnn_zf5", 5).totals.params


def test_profile_proposals_json(cli):
    code, out, err = cli("profile", "sppnet_zf5", "--proposals", "500", "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["proposals"] == 500 and doc["method"] == "sppnet"
    for stage in doc["stages"]:
        assert {"name", "runs", "macs", "params"} <= set(stage)
    assert doc["totals"]["macs"] == sum(s["runs"] * s["macs"] for s in doc["stages"])
    assert {l["stage"] for l in doc["layers"]} == {"conv", "spp", "fc"}
    code, out, _ = cli("profile", "rcnn_zf5", "--proposals")   # alone: the spec's 2000
    assert code == 0 and "2,000 proposals" in out and "conv       2,000" in out


def test_profile_proposals_rejects_classifiers_and_negative_counts(cli):
    code, _, err = cli("profile", "vgg16", "--proposals", "10")
    assert code == 2 and "--proposals applies to detection specs only" in err
    assert err.count("\n") == 1
    code, _, err = cli("profile", "rcnn_zf5", "--proposals", "-4")
    assert code == 2 and "non-negative" in err


def _det_spec(**detection):
    doc = {"name": "d", "input": [3, 32, 32], "num_classes": 3, "task": "detection",
           "layers": [{"name": "conv1", "kind": "conv", "out_channels": 4, "kernel_size": 3},
                      {"name": "relu1", "kind": "relu"},
                      {"name": "spp", "kind": "spp", "levels": [2, 1]},
                      {"name": "fc6", "kind": "linear", "out_features": 8},
                      {"name": "fc8", "kind": "linear", "out_features": "num_classes"}],
           "detection": {"method": "sppnet", "shared_until": "relu1", "feature_layer": "fc6",
                         **detection}}
    return doc


@pytest.mark.parametrize("change,message", [
    ({"methd": "rcnn"}, "unknown key 'methd'; did you mean 'method'?"),
    ({"method": "rcn"}, "method must be one of rcnn, sppnet, got 'rcn'; did you mean 'rcnn'?"),
    ({"context_pad": 16}, "'context_pad' applies to method rcnn only, not sppnet"),
    ({"feature_layer": "fc_6"}, "feature_layer 'fc_6' names no layer; did you mean 'fc6'?"),
    ({"shared_until": "fc6"}, "sppnet needs an 'spp' layer after shared_until 'fc6'"),
    ({"proposals": -1}, "proposals must be a non-negative integer, got -1"),
    ({"image_size": [3, 375, 500]}, "image_size must be [H, W]"),
    ({"nms_iou": 1.5}, "nms_iou must be a number in (0, 1]"),
])
def test_detection_section_errors_name_the_key(change, message):
    with pytest.raises(archlens.SpecError) as err:
        archlens.load_spec(_det_spec(**change))
    assert str(err.value).startswith("<spec>: detection: ") and message in str(err.value)


def test_a_valid_small_detection_spec_loads():
    assert archlens.load_spec(_det_spec()).extra["detection"]["method"] == "sppnet"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["rcnn_alexnet", "sppnet_zf5"])
def test_verify_passes_on_the_per_region_networks(name):
    report = archlens.verify(name)
    assert report.ok, report.failures[:5]
    assert any(c.layer == "spp" for c in report.checks) == (name == "sppnet_zf5")

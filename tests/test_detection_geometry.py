"""SPP bins, SPP lengths, the corner rule, IoU, NMS and box regression against hand
calculations and brute-force references."""
import itertools
import math

import pytest
import torch

import archlens
from archlens.detection.boxes import decode, encode, iou, nms, nms_per_class, sanitize
from archlens.detection.project import MapGeometry, project_boxes
from archlens.nn.spp import SPP, pool_level
from archlens.detection.spp_windows import pool_windows
from archlens.core.kinds.spp import bins, paper_bins


def test_spp_paper_bins_on_13x13_by_hand():
    # He et al. Sec. 2.3: window ceil(13/n), stride floor(13/n)
    assert paper_bins(13, 6) == [(0, 3), (2, 5), (4, 7), (6, 9), (8, 11), (10, 13)]  # win 3, stride 2
    assert paper_bins(13, 3) == [(0, 5), (4, 9), (8, 13)]                            # win 5, stride 4
    assert paper_bins(13, 2) == [(0, 7), (6, 13)]                                    # win 7, stride 6
    assert paper_bins(13, 1) == [(0, 13)]                                            # win 13


def test_spp_falls_back_to_adaptive_bins_where_the_rule_miscounts():
    assert paper_bins(8, 6) is None        # window 2, stride 1 would give 7 bins
    assert paper_bins(4, 6) is None        # stride floor(4/6) = 0
    spans, rule = bins(4, 6)
    assert rule == "Appendix A" and len(spans) == 6 and all(e > s for s, e in spans)
    assert bins(13, 6)[1] == "Sec. 2.3"


def test_spp_levels_agree_with_torch_pooling():
    x = torch.randn(2, 5, 13, 13)
    assert torch.equal(pool_level(x, 6), torch.nn.MaxPool2d(3, 2)(x))
    small = torch.randn(2, 5, 4, 3)   # smaller than the 6x6 level: adaptive bins
    assert torch.equal(pool_level(small, 6), torch.nn.AdaptiveMaxPool2d(6)(small))


@pytest.mark.parametrize("hw", [(1, 1), (3, 7), (13, 13), (20, 9), (42, 56)])
def test_spp_output_length_is_fixed_for_any_window(hw):
    out = SPP((6, 3, 2, 1))(torch.randn(1, 256, *hw))
    assert out.shape == (1, 256 * (36 + 9 + 4 + 1)) == (1, 12_800)
    spec = {"input": [256, *hw], "layers": [{"name": "spp", "kind": "spp"}]}
    assert archlens.profile(spec).layer("spp").out_shape == (12_800,)


def test_sppnet_fc6_reads_the_pyramid():
    p = archlens.profile("sppnet_zf5")
    assert p.layer("spp").in_shapes[0] == (256, 13, 13)       # conv5 at 224 (TPAMI Table 1(a))
    assert p.layer("fc6").params.weight.value == 12_800 * 4096
    assert archlens.profile("sppnet_vgg16").layer("fc6").in_shapes[0] == (512 * 50,)


def test_pooling_all_windows_at_once_equals_one_crop_at_a_time():
    torch.manual_seed(0)
    fmap = torch.randn(1, 7, 11, 15)
    x0, y0 = torch.randint(0, 15, (60,)), torch.randint(0, 11, (60,))
    x1 = torch.minimum(x0 + torch.randint(0, 15, (60,)), torch.tensor(14))
    y1 = torch.minimum(y0 + torch.randint(0, 11, (60,)), torch.tensor(10))
    cells = torch.stack([x0, y0, x1, y1], 1)
    spp = SPP((6, 3, 2, 1))
    ref = torch.cat([spp(fmap[:, :, b: d + 1, a: c + 1]) for a, b, c, d in cells.tolist()])
    assert torch.equal(pool_windows(fmap[0], cells, spp.levels), ref)


def test_corner_rule_examples():
    s = 16  # ZF-5 total stride at conv5: 2 (conv1) x 2 (pool1) x 2 (conv2) x 2 (pool2)
    boxes = torch.tensor([[35.0, 50.0, 300.0, 200.0],   # x' = floor(x/S)+1, ceil(x/S)-1
                          [100.0, 100.0, 110.0, 110.0],  # too small: cell nearest the centre
                          [-50.0, -9.0, 2000.0, 900.0]])  # beyond the map: clamped
    got = project_boxes(boxes, MapGeometry.paper(s), (42, 56)).tolist()  # start 0: the paper
    assert got[0] == [35 // 16 + 1, 50 // 16 + 1, math.ceil(300 / 16) - 1, math.ceil(200 / 16) - 1]
    assert got[0] == [3, 4, 18, 12]
    assert got[1] == [7, 7, 7, 7]          # centre 105 is nearest cell 7's centre 7·16 = 112
    assert got[2] == [0, 0, 55, 41]
    assert archlens.profile("sppnet_zf5").layer("relu5").rf.jump == (16, 16)


def test_iou_by_hand():
    a = torch.tensor([[0.0, 0.0, 2.0, 2.0]])
    b = torch.tensor([[1.0, 1.0, 3.0, 3.0], [2.0, 2.0, 4.0, 4.0], [0.0, 0.0, 2.0, 2.0]])
    assert torch.allclose(iou(a, b), torch.tensor([[1 / 7, 0.0, 1.0]]))


def _brute_nms(boxes, scores, thr):
    def overlap(p, q):
        w = max(0.0, min(p[2], q[2]) - max(p[0], q[0]))
        h = max(0.0, min(p[3], q[3]) - max(p[1], q[1]))
        union = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - w * h
        return w * h / union
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    keep = []
    for i in order:
        if all(overlap(boxes[i], boxes[k]) <= thr for k in keep):
            keep.append(i)
    return keep


@pytest.mark.parametrize("seed", range(5))
def test_nms_matches_brute_force(seed):
    g = torch.Generator().manual_seed(seed)
    xy = torch.rand(80, 2, generator=g) * 100
    boxes = torch.cat([xy, xy + 5 + torch.rand(80, 2, generator=g) * 40], 1)
    scores = torch.rand(80, generator=g)
    for thr in (0.3, 0.5, 0.7):
        assert nms(boxes, scores, thr).tolist() == _brute_nms(boxes.tolist(), scores.tolist(), thr)


def test_nms_per_class_never_suppresses_across_classes():
    boxes = torch.tensor([[0.0, 0, 10, 10], [0, 0, 10, 10], [1, 1, 10, 10]])
    keep = nms_per_class(boxes, torch.tensor([0.9, 0.8, 0.7]), torch.tensor([1, 2, 1]), 0.3)
    assert keep.tolist() == [0, 1]


def test_box_regression_encode_by_hand_and_round_trip():
    p = torch.tensor([[0.0, 0.0, 10.0, 10.0]])
    g = torch.tensor([[5.0, 0.0, 15.0, 20.0]])
    # R-CNN Appendix C: centres (5, 5) -> (10, 10), sizes 10x10 -> 10x20
    assert torch.allclose(encode(p, g), torch.tensor([[0.5, 0.5, 0.0, math.log(2)]]))
    torch.manual_seed(1)
    props = torch.rand(50, 2) * 100
    props = torch.cat([props, props + 1 + torch.rand(50, 2) * 50], 1)
    gts = torch.rand(50, 2) * 100
    gts = torch.cat([gts, gts + 1 + torch.rand(50, 2) * 50], 1)
    assert torch.allclose(decode(props, encode(props, gts)), gts, atol=1e-4)


def test_sanitize_clips_and_drops_degenerate_and_outside_boxes():
    boxes = [[-5, -5, 20, 20], [5, 5, 5, 30], [8, 8, 3, 9], [200, 200, 300, 300], [0, 0, 0.5, 9]]
    kept, dropped = sanitize(boxes, (50, 100))
    assert kept.tolist() == [[0, 0, 20, 20]] and dropped == 4
    empty, none = sanitize([], (50, 100))
    assert empty.shape == (0, 4) and none == 0
    with pytest.raises(archlens.ArchlensError, match="NaN"):
        sanitize([[0, 0, float("nan"), 3]], (5, 5))
    with pytest.raises(archlens.ArchlensError, match="x0, y0, x1, y1"):
        sanitize([[0, 0, 3]], (5, 5))


def test_bins_for_every_length():
    for a, n in itertools.product(range(1, 30), (1, 2, 3, 6)):
        spans, rule = bins(a, n)
        assert len(spans) == n and spans[0][0] == 0 and all(0 <= s < e <= a for s, e in spans)
        assert spans[-1][1] == a                           # every rule now covers the window
    # Sec. 2.3 at a=8, n=3 (window 3, stride 2) covers 0..6 only: Appendix A's bins instead
    assert bins(8, 3) == ([(0, 3), (2, 6), (5, 8)], "Appendix A")

"""The detection page's IoU and NMS numbers against brute force (pixel counting, a plain loop)."""
from fractions import Fraction

from archlens.site import plots_detection as pd


def _pixels(q):
    return {(x, y) for x in range(q[0], q[2]) for y in range(q[1], q[3])}


def _iou(a, b):
    pa, pb = _pixels(a), _pixels(b)
    return Fraction(len(pa & pb), len(pa | pb))


def test_iou_is_pixel_counting():
    n = pd.iou_numbers()
    exact = _iou(pd.BOX_A, pd.BOX_B)
    assert exact == Fraction(n["inter"], n["union"]) == Fraction(3, 14)
    assert abs(n["iou"] - float(exact)) < 1e-6


def test_nms_is_the_greedy_loop():
    boxes, scores, t = pd.NMS_BOXES, pd.NMS_SCORES, pd.NMS_THRESHOLD
    order, keep = sorted(range(len(boxes)), key=lambda i: -scores[i]), []
    for i in order:
        if all(_iou(boxes[i], boxes[k]) <= t for k in keep):
            keep.append(i)
    assert pd.nms_numbers()["keep"] == keep == [0, 3]

"""Metrics against hand calculations and brute-force references."""
import itertools
import math
import random

import pytest
import torch

from archlens.train.metrics import (ImageDetections, accuracy, average_precision, box_iou,
                                    class_ap, confusion, mean_ap, mean_iou, pixel_accuracy)


def test_accuracy_by_hand():
    logits = torch.tensor([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [9.0, 0.0, 0.0]])
    assert accuracy(logits, torch.tensor([0, 1, 1, 2])) == 0.5


def test_mean_iou_by_hand_with_ignore():
    target = torch.tensor([[0, 0, 1, 1], [0, 2, 2, 255]])
    pred = torch.tensor([[0, 1, 1, 1], [0, 2, 0, 1]])
    conf = confusion(pred, target, 3)
    # class 0: TP 2, FP 1 (pred 0 where 2), FN 1 (true 0 predicted 1) -> 2/4
    # class 1: TP 2, FP 1, FN 0 -> 2/3;  class 2: TP 1, FP 0, FN 1 -> 1/2 ; 255 pixel ignored
    assert conf.sum() == 7
    assert mean_iou(conf) == pytest.approx((2 / 4 + 2 / 3 + 1 / 2) / 3)
    assert pixel_accuracy(conf) == pytest.approx(5 / 7)


def test_mean_iou_skips_classes_absent_everywhere():
    conf = confusion(torch.tensor([0, 1]), torch.tensor([0, 1]), 4)
    assert mean_iou(conf) == 1.0


def test_box_iou_half_open_boxes():
    a = torch.tensor([[0.0, 0, 10, 10]])
    b = torch.tensor([[5.0, 5, 15, 15], [10.0, 0, 20, 10]])
    assert box_iou(a, b).tolist()[0] == pytest.approx([25 / 175, 0.0])


def test_average_precision_by_hand():
    # detections TP, FP, TP with 2 positives: recall .5 .5 1, precision 1 .5 .667
    # envelope: 1 up to recall .5, then .667 up to 1 -> AP = .5 * 1 + .5 * 2/3
    ap = average_precision(torch.tensor([0.5, 0.5, 1.0]), torch.tensor([1.0, 0.5, 2 / 3]))
    assert ap == pytest.approx(0.5 + 1 / 3)


def _brute_ap(flags: list[bool], positives: int) -> float:
    """Sum over each true positive's recall step of the best precision at that recall or beyond."""
    tp = list(itertools.accumulate(int(f) for f in flags))
    precision = [t / (i + 1) for i, t in enumerate(tp)]
    recall = [t / positives for t in tp]
    ap, last = 0.0, 0.0
    for i, f in enumerate(flags):
        if f:
            ap += (recall[i] - last) * max(p for p, r in zip(precision, recall) if r >= recall[i])
            last = recall[i]
    return ap


def test_class_ap_matches_brute_force_on_random_detections():
    rng = random.Random(0)
    for _ in range(30):
        images = []
        for _ in range(3):
            g = rng.randint(1, 3)
            gt = torch.tensor([[20.0 * j, 0, 20.0 * j + 10, 10] for j in range(g)])
            boxes, scores = [], []
            for j in range(g):     # hits (IoU 1) or misses (far away), duplicates possible
                for _ in range(rng.randint(0, 2)):
                    hit = rng.random() < 0.6
                    boxes.append(gt[j].tolist() if hit else [500.0, 500, 510, 510])
                    scores.append(rng.random())
            images.append(ImageDetections(torch.tensor(boxes).reshape(-1, 4), torch.tensor(scores),
                                          torch.ones(len(boxes), dtype=torch.long), gt,
                                          torch.ones(g, dtype=torch.long)))
        records = sorted(((s, i, tuple(b)) for i, im in enumerate(images)
                          for s, b in zip(im.scores.tolist(), im.boxes.tolist())), reverse=True)
        taken, flags = set(), []
        for _, i, b in records:   # reference matching: exact box equality with a ground truth box
            key = (i, b)
            hit = b[0] < 500 and key not in taken
            taken.add(key)
            flags.append(hit)
        positives = sum(len(im.gt_labels) for im in images)
        assert class_ap(images, 1) == pytest.approx(_brute_ap(flags, positives) if flags else 0.0)


def test_difficult_objects_are_neither_hit_nor_miss():
    gt = torch.tensor([[0.0, 0, 10, 10], [20.0, 0, 30, 10]])
    im = ImageDetections(gt.clone(), torch.tensor([0.9, 0.8]), torch.tensor([1, 1]), gt,
                         torch.tensor([1, 1]), torch.tensor([False, True]))
    assert class_ap([im], 1) == 1.0
    result = mean_ap([im], num_classes=3)
    assert result["map50"] == 1.0 and list(result["ap"]) == [1]   # class 2 has no ground truth


def test_iou_exactly_half_is_a_miss_as_in_the_devkit():
    gt = torch.tensor([[0.0, 0, 10, 10]])
    det = torch.tensor([[0.0, 0, 10, 5]])   # IoU = 50/100 = 0.5, devkit needs > 0.5
    im = ImageDetections(det, torch.tensor([1.0]), torch.tensor([1]), gt, torch.tensor([1]))
    assert class_ap([im], 1) == 0.0
    assert math.isclose(box_iou(det, gt).item(), 0.5)

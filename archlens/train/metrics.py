"""Validation metrics: accuracy, mean IoU (segmentation) and VOC mAP@0.5 (detection).

Pure functions over tensors; accumulators keep sums so a metric over many batches equals the
metric over the whole set at once.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from archlens.data.records import IGNORE_LABEL


def accuracy(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of rows whose largest logit is the target class."""
    return (logits.argmax(1) == targets).float().mean().item()


def confusion(pred: torch.Tensor, target: torch.Tensor, num_classes: int,
              ignore: int = IGNORE_LABEL) -> torch.Tensor:
    """``num_classes x num_classes`` pixel counts, row = true class, column = predicted.

    Pixels labelled ``ignore`` (VOC's 255 boundary band) are left out.
    """
    keep = target != ignore
    t, p = target[keep].long(), pred[keep].long()
    return torch.bincount(t * num_classes + p, minlength=num_classes ** 2).reshape(
        num_classes, num_classes)


def mean_iou(conf: torch.Tensor) -> float:
    """Mean over classes of TP / (TP + FP + FN), classes absent from both truth and prediction
    skipped: Long, Shelhamer & Darrell (CVPR 2015) Sec. 5, "mean IU" (their ``score.py`` nanmean).
    """
    conf = conf.double()
    tp = conf.diag()
    union = conf.sum(0) + conf.sum(1) - tp
    present = union > 0
    return (tp[present] / union[present]).mean().item() if present.any() else float("nan")


def pixel_accuracy(conf: torch.Tensor) -> float:
    """Correctly labelled pixels over all counted pixels."""
    total = conf.sum().item()
    return conf.diag().sum().item() / total if total else float("nan")


def box_iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(N, 4) x (M, 4) -> (N, M) IoU of 0-based half-open x1 y1 x2 y2 boxes (area = w * h,
    which equals the VOC devkit's inclusive ``+1`` areas for integer boxes)."""
    lt = torch.maximum(a[:, None, :2], b[None, :, :2])
    rb = torch.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).clamp(min=0).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).clamp(min=0).prod(-1)
    return inter / (area_a[:, None] + area_b[None, :] - inter).clamp(min=1e-12)


def average_precision(recall: torch.Tensor, precision: torch.Tensor) -> float:
    """All-point interpolated AP (VOC2010+ devkit ``VOCap``): area under the precision envelope,
    where the envelope at recall r is the largest precision at any recall >= r."""
    mrec = torch.cat([torch.zeros(1), recall.double(), torch.ones(1)])
    mpre = torch.cat([torch.zeros(1), precision.double(), torch.zeros(1)])
    mpre = torch.flip(torch.cummax(torch.flip(mpre, [0]), 0).values, [0])
    steps = torch.nonzero(mrec[1:] != mrec[:-1]).flatten()
    return ((mrec[steps + 1] - mrec[steps]) * mpre[steps + 1]).sum().item()


@dataclass
class ImageDetections:
    """One image's detections and ground truth for AP."""

    boxes: torch.Tensor        # (D, 4) detected boxes
    scores: torch.Tensor       # (D,) confidence
    labels: torch.Tensor       # (D,) class ids >= 1
    gt_boxes: torch.Tensor     # (G, 4)
    gt_labels: torch.Tensor    # (G,)
    gt_difficult: torch.Tensor | None = None   # (G,) bool: neither TP nor FP when matched


def class_ap(images: list[ImageDetections], cls: int, iou_threshold: float = 0.5) -> float | None:
    """VOC AP of one class; None when the class has no (non-difficult) ground truth."""
    curve = pr_curve(images, cls, iou_threshold)
    return None if curve is None else average_precision(curve[0], curve[1])


def pr_curve(images: list[ImageDetections], cls: int, iou_threshold: float = 0.5
             ) -> tuple[torch.Tensor, torch.Tensor] | None:
    """(recall, precision) after each detection of one class, best score first; None when the
    class has no (non-difficult) ground truth.

    Detections are taken by descending score; each matches the unmatched-or-not ground-truth box
    of highest IoU; IoU > threshold (the devkit's strict test) and not yet taken is a true positive,
    a repeat is a false positive, a difficult box is ignored (VOC devkit ``VOCevaldet``).
    """
    records, positives = [], 0
    for i, im in enumerate(images):
        gt = im.gt_labels == cls
        difficult = im.gt_difficult[gt] if im.gt_difficult is not None else torch.zeros(
            int(gt.sum()), dtype=torch.bool)
        positives += int((~difficult).sum())
        det = im.labels == cls
        records += [(s.item(), i, b) for s, b in zip(im.scores[det], im.boxes[det])]
    if positives == 0:
        return None
    records.sort(key=lambda r: -r[0])
    taken: dict[int, torch.Tensor] = {}   # image -> ground truth already matched
    tp = torch.zeros(len(records))
    fp = torch.zeros(len(records))
    for d, (_, i, box) in enumerate(records):
        used = taken.setdefault(i, torch.zeros(len(images[i].gt_labels), dtype=torch.bool))
        tp[d], fp[d] = _judge(images[i], cls, box, used, iou_threshold)
    tp, fp = tp.cumsum(0), fp.cumsum(0)
    return tp / positives, tp / (tp + fp).clamp(min=1e-12)


def _judge(im: ImageDetections, cls: int, box, used: torch.Tensor, thr: float):
    """(tp, fp) for one detection, marking in ``used`` the ground-truth box it takes."""
    gt = torch.nonzero(im.gt_labels == cls).flatten()
    if gt.numel() == 0:
        return 0.0, 1.0
    ious = box_iou(box[None], im.gt_boxes[gt])[0]
    best = int(gt[ious.argmax()])
    if ious.max() <= thr:
        return 0.0, 1.0
    if im.gt_difficult is not None and bool(im.gt_difficult[best]):
        return 0.0, 0.0
    if used[best]:
        return 0.0, 1.0
    used[best] = True
    return 1.0, 0.0


def mean_ap(images: list[ImageDetections], num_classes: int, iou_threshold: float = 0.5) -> dict:
    """``{'map50': mean over classes with ground truth, 'ap': {class id: AP}}``."""
    aps = {c: class_ap(images, c, iou_threshold) for c in range(1, num_classes)}
    aps = {c: v for c, v in aps.items() if v is not None}
    return {"map50": sum(aps.values()) / len(aps) if aps else float("nan"), "ap": aps}

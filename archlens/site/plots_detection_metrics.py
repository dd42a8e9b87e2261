"""Detection concept figures: average precision from a ranked list, and the SVMs' hinge loss.

The numbers come from the code the detectors are scored and trained with:
``archlens.train.metrics`` (VOC precision-recall and all-point AP) and
``archlens.detection.svm.hinge_loss`` (R-CNN's class SVMs, Girshick et al. 2014 Sec. 2.3).
"""
from __future__ import annotations

import numpy as np
import torch

from archlens.detection.svm import hinge_loss
from archlens.site.figures import Theme, new_figure
from archlens.train.metrics import ImageDetections, average_precision, pr_curve

# One image, four objects of one class, and six detections ranked by score:
# two hits, a duplicate of the first object, a hit, a box on background, and a
# loose box on the fourth object (IoU < 0.5, so it does not count).
AP_GT = ((10, 10, 60, 60), (80, 10, 130, 60), (150, 10, 200, 60), (10, 80, 60, 130))
AP_DETS = (((12, 10, 60, 58), 0.95), ((80, 12, 130, 62), 0.90), ((14, 14, 62, 62), 0.80),
           ((150, 10, 198, 60), 0.70), ((90, 90, 130, 130), 0.60), ((30, 95, 90, 150), 0.50))
AP_IOU = 0.5

# Four windows scored by one class's SVM: label +1 (object) or -1 (background), and score w·x + b.
HINGE_WINDOWS = ((+1, 2.0), (+1, 0.4), (-1, -1.5), (-1, 0.3))


def ap_numbers() -> dict:
    boxes = torch.tensor([d[0] for d in AP_DETS], dtype=torch.float32)
    image = ImageDetections(boxes, torch.tensor([d[1] for d in AP_DETS]),
                            torch.ones(len(AP_DETS), dtype=torch.long),
                            torch.tensor(AP_GT, dtype=torch.float32),
                            torch.ones(len(AP_GT), dtype=torch.long))
    recall, precision = pr_curve([image], 1, AP_IOU)
    hits = np.diff(np.concatenate([[0.0], recall.numpy()])) > 0
    envelope = np.maximum.accumulate(precision.numpy()[::-1])[::-1]
    return {"gt": len(AP_GT), "scores": [d[1] for d in AP_DETS], "hit": hits.tolist(),
            "recall": recall.tolist(), "precision": precision.tolist(),
            "envelope": envelope.tolist(), "ap": average_precision(recall, precision),
            "iou": AP_IOU}


def hinge_numbers() -> dict:
    y = torch.tensor([w[0] for w in HINGE_WINDOWS], dtype=torch.float64)
    s = torch.tensor([w[1] for w in HINGE_WINDOWS], dtype=torch.float64)
    loss = hinge_loss(s, y)
    return {"windows": HINGE_WINDOWS, "margin": (y * s).tolist(), "loss": loss.tolist(),
            "mean": float(loss.mean())}


def pr_figure(theme: Theme):
    n = ap_numbers()
    fig = new_figure(4.2, 3.0)
    ax = fig.subplots()
    r = [0.0] + n["recall"]
    env = n["envelope"]
    for i in range(len(env)):   # the area AP measures: envelope × recall step
        if r[i + 1] > r[i]:
            ax.fill_between([r[i], r[i + 1]], 0, env[i], color=theme.accent[0], alpha=0.25, lw=0)
    colors = [theme.accent[2] if h else theme.accent[1] for h in n["hit"]]
    ax.scatter(n["recall"], n["precision"], color=colors, zorder=3)
    for k, (x, y) in enumerate(zip(n["recall"], n["precision"])):
        ax.annotate(str(k + 1), (x, y), textcoords="offset points", xytext=(6, 2), fontsize=10)
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.08))
    ax.set_title(f"AP = shaded area = {n['ap']:.4g}", fontsize=11)
    ax.grid(True, lw=0.5)
    return fig


def hinge_figure(theme: Theme):
    n = hinge_numbers()
    m = np.linspace(-2, 3, 201)
    fig = new_figure(4.2, 3.0)
    ax = fig.subplots()
    ax.plot(m, np.maximum(0, 1 - m), color=theme.accent[0], lw=2, label="hinge max(0, 1 − y·s)")
    ax.plot(m, (m <= 0).astype(float), color=theme.accent[1], ls="--", label="0-1 error")
    ax.scatter(n["margin"], n["loss"], color=theme.accent[2], zorder=3, label="the four windows")
    ax.set(xlabel="margin y·s", ylabel="loss", ylim=(-0.1, 3.1))
    ax.legend(loc="upper right", fontsize=9)
    ax.grid(True, lw=0.5)
    return fig

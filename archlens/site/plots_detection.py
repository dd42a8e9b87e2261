"""Detection concept figures: intersection over union and greedy non-maximum suppression.

The numbers (the IoU, which boxes NMS keeps) come from archlens.detection.boxes, the code the
detectors run, so the page shows what ``archlens detect`` does.
"""
from __future__ import annotations

import torch
from matplotlib.patches import Rectangle

from archlens.detection.boxes import iou, nms
from archlens.site.figures import Theme, new_figure

# Two boxes (x0, y0, x1, y1) in pixel-edge coordinates, and four detections of one object.
BOX_A = (20, 20, 120, 100)
BOX_B = (60, 50, 160, 140)
NMS_BOXES = ((30, 30, 130, 110), (40, 36, 140, 118), (24, 40, 120, 124), (150, 60, 220, 130))
NMS_SCORES = (0.9, 0.75, 0.6, 0.8)
NMS_THRESHOLD = 0.3   # suppress a box overlapping a kept, higher-scoring one by IoU > 0.3


def iou_numbers() -> dict:
    a, b = torch.tensor([BOX_A], dtype=torch.float32), torch.tensor([BOX_B], dtype=torch.float32)
    ix = max(0, min(BOX_A[2], BOX_B[2]) - max(BOX_A[0], BOX_B[0]))
    iy = max(0, min(BOX_A[3], BOX_B[3]) - max(BOX_A[1], BOX_B[1]))
    area = lambda q: (q[2] - q[0]) * (q[3] - q[1])  # noqa: E731
    return {"a": BOX_A, "b": BOX_B, "inter": ix * iy, "area_a": area(BOX_A),
            "area_b": area(BOX_B), "union": area(BOX_A) + area(BOX_B) - ix * iy,
            "iou": float(iou(a, b)[0, 0])}


def nms_numbers() -> dict:
    boxes = torch.tensor(NMS_BOXES, dtype=torch.float32)
    keep = nms(boxes, torch.tensor(NMS_SCORES), NMS_THRESHOLD).tolist()
    overlaps = iou(boxes, boxes)
    return {"boxes": NMS_BOXES, "scores": NMS_SCORES, "threshold": NMS_THRESHOLD, "keep": keep,
            "iou_with_best": [round(float(v), 2) for v in overlaps[0]]}


def _box(ax, q, **kw):
    ax.add_patch(Rectangle((q[0], q[1]), q[2] - q[0], q[3] - q[1], **kw))


def iou_figure(theme: Theme):
    n = iou_numbers()
    fig = new_figure(4.2, 2.8)
    ax = fig.subplots()
    _box(ax, BOX_A, fc="none", ec=theme.accent[0], lw=2)
    _box(ax, BOX_B, fc="none", ec=theme.accent[1], lw=2)
    x0, y0 = max(BOX_A[0], BOX_B[0]), max(BOX_A[1], BOX_B[1])
    _box(ax, (x0, y0, min(BOX_A[2], BOX_B[2]), min(BOX_A[3], BOX_B[3])), fc=theme.accent[2],
         alpha=0.5, ec="none")
    ax.text(BOX_A[0] + 3, BOX_A[1] + 10, "A", color=theme.accent[0])
    ax.text(BOX_B[2] - 12, BOX_B[3] - 5, "B", color=theme.accent[1])
    ax.set_title(f"IoU = {n['inter']:,} / {n['union']:,} = {n['iou']:.3f}", fontsize=10)
    ax.set(xlim=(0, 180), ylim=(150, 0), aspect="equal")
    ax.axis("off")
    return fig


def nms_figure(theme: Theme):
    n = nms_numbers()
    fig = new_figure(6.4, 2.6)
    axes = fig.subplots(1, 2)
    for ax, title, shown in ((axes[0], "before: 4 detections", range(len(NMS_BOXES))),
                             (axes[1], f"after NMS (IoU > {NMS_THRESHOLD} suppressed)", n["keep"])):
        for i in shown:
            color = theme.accent[i % len(theme.accent)]
            _box(ax, NMS_BOXES[i], fc="none", ec=color, lw=1.8)
            ax.text(NMS_BOXES[i][0] + 2, NMS_BOXES[i][1] + 10, f"{NMS_SCORES[i]:.2f}",
                    color=color, fontsize=8)
        ax.set_title(title, fontsize=9)
        ax.set(xlim=(10, 230), ylim=(140, 20), aspect="equal")
        ax.axis("off")
    return fig

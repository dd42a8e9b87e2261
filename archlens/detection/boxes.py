"""Boxes in plain torch: validation, clipping, IoU, greedy NMS, R-CNN box regression targets.

A box is ``(x0, y0, x1, y1)`` in pixel-edge coordinates: pixel (i, j) covers
[j, j+1) x [i, i+1), so width = x1 - x0 and a box on the whole W x H image is (0, 0, W, H).
"""
from __future__ import annotations

import torch

from archlens.errors import DataError


def as_boxes(boxes, what: str = "boxes") -> torch.Tensor:
    """A (K, 4) float tensor, or a DataError for another shape or non-finite values."""
    t = torch.as_tensor(boxes, dtype=torch.float32)
    if t.numel() == 0:
        return t.reshape(0, 4)
    if t.dim() != 2 or t.shape[1] != 4:
        raise DataError(f"{what} must be a list of [x0, y0, x1, y1], got shape {tuple(t.shape)}")
    if not torch.isfinite(t).all():
        raise DataError(f"{what} contain NaN or infinite coordinates")
    return t


def clip(boxes: torch.Tensor, hw: tuple[int, int]) -> torch.Tensor:
    """Boxes quoted to the image [0, W] x [0, H]."""
    h, w = hw
    limits = torch.tensor([w, h, w, h], dtype=boxes.dtype)
    return torch.minimum(boxes.clamp(min=0), limits)


def area(boxes: torch.Tensor) -> torch.Tensor:
    return (boxes[:, 2] - boxes[:, 0]).clamp(min=0) * (boxes[:, 3] - boxes[:, 1]).clamp(min=0)


def sanitize(boxes, hw: tuple[int, int], min_size: float = 1.0) -> tuple[torch.Tensor, int]:
    """Defined behaviour for user boxes: clip to the image, drop those under ``min_size``.

    Degenerate boxes (x1 <= x0 or y1 <= y0), boxes entirely outside the image and boxes that
    clip to less than ``min_size`` pixels on a side are dropped; returns (kept, dropped count).
    """
    t = clip(as_boxes(boxes), hw)
    keep = ((t[:, 2] - t[:, 0]) >= min_size) & ((t[:, 3] - t[:, 1]) >= min_size)
    return t[keep], int((~keep).sum())


def iou(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """(K, M) intersection over union; 0 where the union is empty."""
    lt = torch.maximum(a[:, None, :2], b[None, :, :2])
    rb = torch.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = (rb - lt).clamp(min=0).prod(dim=2)
    union = area(a)[:, None] + area(b)[None, :] - inter
    return torch.where(union > 0, inter / union.clamp(min=1e-12), torch.zeros_like(inter))


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Greedy NMS: keep the best box, drop boxes overlapping it by IoU > threshold, repeat.

    Returns kept indices, best score first (ties keep the lower index first).
    """
    order = torch.sort(scores, descending=True, stable=True).indices
    overlaps = iou(boxes[order], boxes[order]) > iou_threshold
    suppressed = torch.zeros(len(order), dtype=torch.bool)
    keep = []
    for i in range(len(order)):
        if suppressed[i]:
            continue
        keep.append(i)
        suppressed |= overlaps[i]
    return order[torch.tensor(keep, dtype=torch.long)]


def nms_per_class(boxes, scores, labels, iou_threshold: float) -> torch.Tensor:
    """NMS within each class separately (R-CNN Sec. 2.2); indices sorted by score."""
    kept = [idx[nms(boxes[idx], scores[idx], iou_threshold)]
            for c in labels.unique() for idx in [torch.nonzero(labels == c).flatten()]]
    if not kept:
        return torch.zeros(0, dtype=torch.long)
    keep = torch.cat(kept)
    return keep[torch.sort(scores[keep], descending=True, stable=True).indices]


def _centre_size(boxes: torch.Tensor):
    w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
    return boxes[:, 0] + 0.5 * w, boxes[:, 1] + 0.5 * h, w, h


def encode(proposals: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """R-CNN Appendix C: t_x = (G_x − P_x)/P_w, t_y = (G_y − P_y)/P_h, t_w = log(G_w/P_w), t_h."""
    px, py, pw, ph = _centre_size(proposals)
    gx, gy, gw, gh = _centre_size(targets)
    return torch.stack([(gx - px) / pw, (gy - py) / ph, torch.log(gw / pw), torch.log(gh / ph)], 1)


def decode(proposals: torch.Tensor, deltas: torch.Tensor) -> torch.Tensor:
    """Inverse of ``encode``: Ĝ_x = P_w d_x + P_x, Ĝ_w = P_w exp(d_w) (Appendix C, eqs. 1-4)."""
    px, py, pw, ph = _centre_size(proposals)
    cx, cy = pw * deltas[:, 0] + px, ph * deltas[:, 1] + py
    w, h = pw * torch.exp(deltas[:, 2]), ph * torch.exp(deltas[:, 3])
    return torch.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], 1)

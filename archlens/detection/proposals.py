"""Region proposals: selective search when OpenCV contrib is installed, else sliding windows.

Selective search (Uijlings et al., IJCV 2013) in its "fast" mode is what R-CNN and SPPNet
use (about 2000 boxes per image). It comes from ``cv2.ximgproc`` (pip ``opencv-contrib-python``,
an optional extra). Without it, a documented deterministic fallback proposes multi-scale
sliding windows: square side lengths from 32 px up to the shorter image side in steps of
x sqrt(2), aspect ratios 1:2, 1:1 and 2:1, stride a quarter of the window side. Either way the
boxes are quoted to the image, deduplicated and capped at ``limit`` (evenly subsampled for
the windows, so every scale survives; highest-ranked first for selective search).
"""
from __future__ import annotations

import math

import torch

from archlens.errors import DataError
from archlens.detection.boxes import sanitize

MIN_SIDE = 32                      # smallest window side, pixels
ASPECTS = (0.5, 1.0, 2.0)          # width / height
STRIDE_FRACTION = 0.25             # stride as a fraction of the window side


def selective_search_available() -> bool:
    try:
        import cv2
        return hasattr(cv2, "ximgproc")
    except ImportError:
        return False


def propose(image: torch.Tensor, limit: int = 2000, method: str = "auto") -> tuple[torch.Tensor, str]:
    """(K, 4) boxes for a (3, H, W) image, K <= limit, and the method that made them."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise DataError(f"the proposal limit must be a non-negative integer, got {limit!r}")
    if method == "auto":
        method = "selective_search" if selective_search_available() else "sliding_windows"
    hw = tuple(image.shape[-2:])
    raw = selective_search(image) if method == "selective_search" else sliding_windows(hw)
    boxes, _ = sanitize(raw, hw)
    boxes = dedupe(boxes)
    return cap(boxes, limit, evenly=method == "sliding_windows"), method


def sliding_windows(hw: tuple[int, int]) -> torch.Tensor:
    """Every window of every scale and aspect, scale-major, in raster order."""
    h, w = hw
    sides, side = [], float(min(MIN_SIDE, h, w))  # tiny images: one scale, the image itself
    while side <= min(h, w) + 1e-9:
        sides.append(side)
        side *= math.sqrt(2)
    boxes = [_grid(h, w, s * math.sqrt(a), s / math.sqrt(a), s * STRIDE_FRACTION)
             for s in sides for a in ASPECTS]
    boxes = [b for b in boxes if len(b)]
    return torch.cat(boxes) if boxes else torch.zeros(0, 4)


def _grid(h: int, w: int, bw: float, bh: float, stride: float) -> torch.Tensor:
    bw, bh = min(bw, w), min(bh, h)
    xs = torch.arange(0, w - bw + 1e-6, stride)
    ys = torch.arange(0, h - bh + 1e-6, stride)
    y, x = torch.meshgrid(ys, xs, indexing="ij")
    x, y = x.flatten(), y.flatten()
    return torch.stack([x, y, x + bw, y + bh], 1).round()


def selective_search(image: torch.Tensor) -> torch.Tensor:
    """OpenCV contrib's selective search, fast mode, on the image as 8-bit BGR."""
    import cv2
    bgr = image.clamp(0, 255).byte().permute(1, 2, 0).flip(-1).contiguous().numpy()
    ss = cv2.ximgproc.segmentation.createSelectiveSearchSegmentation()
    ss.setBaseImage(bgr)
    ss.switchToSelectiveSearchFast()
    rects = torch.as_tensor(ss.process(), dtype=torch.float32).reshape(-1, 4)  # x, y, w, h
    return torch.cat([rects[:, :2], rects[:, :2] + rects[:, 2:]], 1)


def dedupe(boxes: torch.Tensor) -> torch.Tensor:
    """Drop exact duplicates, keeping the first occurrence (rank order preserved)."""
    if len(boxes) == 0:
        return boxes
    _, inverse = torch.unique(boxes, dim=0, return_inverse=True)
    first = torch.full((int(inverse.max()) + 1,), len(boxes), dtype=torch.long)
    first.scatter_reduce_(0, inverse, torch.arange(len(boxes)), reduce="amin")
    return boxes[first.sort().values]


def cap(boxes: torch.Tensor, limit: int, evenly: bool) -> torch.Tensor:
    """At most ``limit`` boxes: the first ones, or an even subsample across the list."""
    if len(boxes) <= limit:
        return boxes
    if not evenly or limit == 0:
        return boxes[:limit]
    index = torch.linspace(0, len(boxes) - 1, limit).round().long()
    return boxes[index]

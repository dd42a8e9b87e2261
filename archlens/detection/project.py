"""Mapping a window to feature maps (He et al., SPPNet, TPAMI 2015, Appendix).

"We project the corner point of a window onto a pixel in the feature maps, such that this
corner point in the image domain is closest to the center of the receptive field of that
feature map pixel": with S the product of all previous strides,
    left/top     x' = floor(x / S) + 1
    right/bottom x' = ceil(x / S) - 1
(the paper pads every layer by floor(k/2); other paddings would add an offset, not done here).
Coordinates: x is a pixel-edge coordinate of the (resized) image; x' an inclusive cell index.
A window too small for the rule (x'_right < x'_left on an axis) becomes the one cell that
holds the box centre; every window is clamped into the map, so it has at least one cell.
"""
from __future__ import annotations

import torch


def project_boxes(boxes: torch.Tensor, stride: int, fmap_hw: tuple[int, int]) -> torch.Tensor:
    """(K, 4) float image boxes -> (K, 4) long inclusive cells (x0', y0', x1', y1')."""
    h, w = fmap_hw
    lo = torch.floor(boxes[:, :2] / stride).long() + 1
    hi = torch.ceil(boxes[:, 2:] / stride).long() - 1
    centre = torch.floor((boxes[:, :2] + boxes[:, 2:]) / 2 / stride).long()
    bad = hi < lo
    lo, hi = torch.where(bad, centre, lo), torch.where(bad, centre, hi)
    limit = torch.tensor([w - 1, h - 1])
    lo = torch.minimum(lo.clamp(min=0), limit)
    hi = torch.maximum(torch.minimum(hi, limit), lo)
    return torch.cat([lo, hi], 1)

"""Mapping a window to feature maps (He et al., SPPNet, TPAMI 2015, Appendix A).

"We project the corner point of a window onto a pixel in the feature maps, such that this
corner point in the image domain is closest to the center of the receptive field of that
feature map pixel." The paper assumes every layer pads floor(k/2), so the centre of cell i sits
at i·S (S the product of all strides) and the rule reads
    left/top     x' = floor(x / S) + 1
    right/bottom x' = ceil(x / S) - 1,
the cells whose centres lie strictly inside the box. archlens keeps that meaning for any
network: the profile gives the layer's receptive-field start s (the image coordinate of cell 0's
centre) and jump J per axis, cell i's centre is s + i·J, and
    x'_left = floor((x0 - s) / J) + 1,    x'_right = ceil((x1 - s) / J) - 1,
which is the paper's formula when s = 0 and J = S. Our ZF-5 pads conv1 and conv2 by 1, not
floor(k/2), so its conv5 cell 0 is centred at s = 16, one cell from where the paper's formula
puts it; VGG-16's 2x2 pools give s = 7.5.
Coordinates: boxes are in the profile's image coordinates (pixel k centred at k, as for the
start); x' is an inclusive cell index. A box holding no cell centre on an axis becomes the one
cell whose centre is nearest the box centre; every window is clamped into the map.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch

from archlens.core.profile import profile
from archlens.errors import SpecError


@dataclass(frozen=True)
class MapGeometry:
    """Where a feature map's cells sit in the image, per axis (y, x)."""
    start: tuple[float, float]  # image coordinate of cell (0, 0)'s centre (receptive-field start)
    jump: tuple[float, float]   # image pixels between neighbouring cells (receptive-field jump)

    @classmethod
    def paper(cls, stride: float) -> MapGeometry:
        """The paper's assumption (floor(k/2) padding everywhere): start 0, jump S."""
        return cls((0.0, 0.0), (float(stride), float(stride)))


def map_geometry(spec, layer: str) -> MapGeometry:
    """The start and jump the profile derives for ``layer``'s output map."""
    rf = profile(spec).layer(layer).rf
    if rf is None:
        raise SpecError(f"layer '{layer}': no receptive field, so boxes cannot be projected onto it")
    return MapGeometry(tuple(float(v) for v in rf.start), tuple(float(v) for v in rf.jump))


def project_boxes(boxes: torch.Tensor, geometry: MapGeometry, fmap_hw: tuple[int, int]) -> torch.Tensor:
    """(K, 4) float image boxes -> (K, 4) long inclusive cells (x0', y0', x1', y1')."""
    h, w = fmap_hw
    start = boxes.new_tensor([geometry.start[1], geometry.start[0]], dtype=torch.float64)
    jump = boxes.new_tensor([geometry.jump[1], geometry.jump[0]], dtype=torch.float64)
    b = boxes.double()
    lo = torch.floor((b[:, :2] - start) / jump).long() + 1
    hi = torch.ceil((b[:, 2:] - start) / jump).long() - 1
    nearest = torch.floor(((b[:, :2] + b[:, 2:]) / 2 - start) / jump + 0.5).long()
    bad = hi < lo
    lo, hi = torch.where(bad, nearest, lo), torch.where(bad, nearest, hi)
    limit = torch.tensor([w - 1, h - 1], device=boxes.device)
    lo = torch.minimum(lo.clamp(min=0), limit)
    hi = torch.maximum(torch.minimum(hi, limit), lo)
    return torch.cat([lo, hi], 1)

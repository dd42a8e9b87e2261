"""R-CNN's region warping (Girshick et al., CVPR 2014, Sec. 2.1 and Appendix A).

"Regardless of the size or aspect ratio of the candidate region, we warp all pixels in a tight
bounding box around it to the required size. Prior to warping, we dilate the tight bounding
box so that at the warped size there are exactly p pixels of warped image context around the
original box (we use p = 16)." Where the dilated box leaves the image, R-CNN fills with the
image mean; after normalisation that is zero, which is ``grid_sample``'s zero padding here.
Bilinear, anisotropic (each axis scaled on its own), plain torch.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

IMAGENET_MEAN = (123.68, 116.78, 103.94)  # RGB mean pixel of ImageNet (Caffe's ilsvrc mean)
IMAGENET_STD = (58.395, 57.12, 57.375)    # RGB std of ImageNet in grey levels (0.229, 0.224, 0.225 x 255)


def dilate(boxes: torch.Tensor, size: tuple[int, int], pad: int) -> torch.Tensor:
    """Boxes grown so that ``pad`` of the ``size`` warped pixels on each side are context."""
    h, w = size
    inner = torch.tensor([w - 2 * pad, h - 2 * pad], dtype=boxes.dtype).clamp(min=1)
    scale = (boxes[:, 2:] - boxes[:, :2]) / inner  # image pixels per warped pixel
    grow = torch.cat([scale, scale], 1) * pad
    return boxes + grow * torch.tensor([-1.0, -1.0, 1.0, 1.0])


def sampling_grid(boxes: torch.Tensor, hw: tuple[int, int], size: tuple[int, int]) -> torch.Tensor:
    """(K, h, w, 2) grid_sample coordinates of each warped pixel centre (align_corners=False)."""
    H, W = hw
    h, w = size
    u = (torch.arange(w, dtype=boxes.dtype) + 0.5) / w  # fractions across the box
    v = (torch.arange(h, dtype=boxes.dtype) + 0.5) / h
    x = boxes[:, 0:1] + u[None] * (boxes[:, 2:3] - boxes[:, 0:1])  # (K, w) image x
    y = boxes[:, 1:2] + v[None] * (boxes[:, 3:4] - boxes[:, 1:2])  # (K, h) image y
    gx = (2 * x / W - 1)[:, None, :].expand(-1, h, -1)
    gy = (2 * y / H - 1)[:, :, None].expand(-1, -1, w)
    return torch.stack([gx, gy], dim=-1)


def normalize_pixels(image: torch.Tensor) -> torch.Tensor:
    """(3, H, W) 0..255 RGB minus the ImageNet mean pixel, divided by the ImageNet std.

    R-CNN and SPPNet subtract Caffe's mean pixel only, for Caffe's pretrained weights. archlens
    trains its own weights, so it also divides by the std, as the classification task does: with
    pixels in grey levels the LSUV-initialised first layer gets ~58x smaller weights and Adam's
    fixed-size steps wreck it (measured on rcnn_zf5 at 1/8 width, 120 scenes, 6 epochs: mAP@0.5
    0.03 without, 0.19 with).
    """
    mean = torch.tensor(IMAGENET_MEAN, dtype=image.dtype)[:, None, None]
    std = torch.tensor(IMAGENET_STD, dtype=image.dtype)[:, None, None]
    return (image - mean) / std


def warp_regions(image: torch.Tensor, boxes: torch.Tensor, size: tuple[int, int],
                 context_pad: int = 16) -> torch.Tensor:
    """(K, 3, h, w) warped regions of a normalised (3, H, W) image; zeros outside it."""
    if len(boxes) == 0:
        return image.new_zeros(0, image.shape[0], *size)
    grid = sampling_grid(dilate(boxes, size, context_pad), tuple(image.shape[-2:]), size)
    source = image[None].expand(len(boxes), -1, -1, -1)
    return F.grid_sample(source, grid, mode="bilinear", padding_mode="zeros", align_corners=False)

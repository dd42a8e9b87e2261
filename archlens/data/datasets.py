"""torch ``Dataset`` wrappers over any data source (the only module here that imports torch).

Sources: a Sequence of ``(image, target)`` for classification (``ShapeClassification``,
``ImageFolder``) and a Sequence of ``Scene`` for segmentation and detection (``ShapeScenes``,
``read_voc``). Images come out as float32 CHW tensors in [0, 1], then optionally normalized
per channel as ``(x - mean) / std``. ``size`` is ``(height, width)`` in pixels; images resize
bilinearly (antialiased), masks by nearest neighbour, boxes by the same x and y factors (exact for
our 0-based half-open pixel-edge boxes, ``records.py``).
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from archlens.data.records import Scene
from archlens.data.regression import RegressionSet
from archlens.errors import DataError

Size = tuple[int, int]                                              # (height, width), pixels
Normalize = tuple[Sequence[float], Sequence[float]]                 # (mean, std) per RGB channel
IMAGENET_NORMALIZE: Normalize = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))


def image_to_tensor(image: np.ndarray) -> torch.Tensor:
    """uint8 H x W x 3 -> float32 3 x H x W in [0, 1]."""
    return torch.from_numpy(np.ascontiguousarray(image)).permute(2, 0, 1).float().div_(255.0)


def resize_image(image: torch.Tensor, size: Size) -> torch.Tensor:
    """Bilinear, antialiased resize of a C x H x W float tensor to ``size``."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image
    out = F.interpolate(image[None], size=tuple(size), mode="bilinear", align_corners=False,
                        antialias=True)
    return out[0].clamp_(0.0, 1.0)


def resize_mask(mask: torch.Tensor, size: Size) -> torch.Tensor:
    """Nearest-neighbour resize of an H x W integer mask (labels and 255 survive unchanged)."""
    if tuple(mask.shape) == tuple(size):
        return mask
    out = F.interpolate(mask[None, None].float(), size=tuple(size), mode="nearest-exact")
    return out[0, 0].to(mask.dtype)


def scale_boxes(boxes: torch.Tensor, old: Size, new: Size) -> torch.Tensor:
    """Scale (N, 4) x1 y1 x2 y2 boxes from an ``old`` (h, w) image to a ``new`` one."""
    sy, sx = new[0] / old[0], new[1] / old[1]
    return boxes * torch.tensor([sx, sy, sx, sy], dtype=boxes.dtype)


def _normalize(image: torch.Tensor, normalize: Normalize | None) -> torch.Tensor:
    """``(image - mean) / std`` per channel, or unchanged when ``normalize`` is None."""
    if normalize is None:
        return image
    mean, std = (torch.tensor(v, dtype=image.dtype).view(-1, 1, 1) for v in normalize)
    return (image - mean) / std


class _ImageDataset(Dataset):
    """Shared image handling: tensor conversion, resize, normalization."""

    def __init__(self, source: Sequence, size: Size | None = None,
                 normalize: Normalize | None = None):
        self.source, self.size, self.normalize = source, size, normalize
        if size is not None and (len(size) != 2 or min(size) < 1):
            raise DataError(f"size {size!r}: need (height, width), both >= 1 pixel")

    def __len__(self) -> int:
        return len(self.source)

    def _image(self, image: np.ndarray) -> torch.Tensor:
        tensor = image_to_tensor(image)
        if self.size is not None:
            tensor = resize_image(tensor, self.size)
        return _normalize(tensor, self.normalize)


class ClassificationDataset(_ImageDataset):
    """``(image float 3xHxW, target int64 scalar)`` from a Sequence of ``(image, target)``."""

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        image, target = self.source[i]
        return self._image(image), torch.tensor(target, dtype=torch.int64)


class SegmentationDataset(_ImageDataset):
    """``(image float 3xHxW, mask int64 HxW)`` from Scenes; mask 255 = ignore (CrossEntropy's
    ``ignore_index=255``)."""

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        scene: Scene = self.source[i]
        if scene.mask is None:
            raise DataError(f"image {scene.image_id or i}: no segmentation mask; read VOC with "
                            f"task='segmentation' or use a source with masks")
        mask = torch.from_numpy(scene.mask.astype(np.int64))
        if self.size is not None:
            mask = resize_mask(mask, self.size)
        return self._image(scene.image), mask


class DetectionDataset(_ImageDataset):
    """``(image float 3xHxW, boxes float32 Nx4, labels int64 N)`` from Scenes.

    Boxes are x1 y1 x2 y2, 0-based half-open pixel edges of the returned (resized) image; labels
    are class ids (>= 1). Objects flagged 'difficult' are dropped unless ``keep_difficult``.
    Batch with ``detection_collate`` (images differ in box count).
    """

    def __init__(self, source: Sequence[Scene], size: Size | None = None,
                 normalize: Normalize | None = None, keep_difficult: bool = False):
        super().__init__(source, size, normalize)
        self.keep_difficult = keep_difficult

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        scene: Scene = self.source[i]
        keep = [self.keep_difficult or not o.difficult for o in scene.objects]
        boxes = torch.from_numpy(scene.boxes()[keep]).reshape(-1, 4)
        labels = torch.from_numpy(scene.labels()[keep])
        if self.size is not None:
            boxes = scale_boxes(boxes, scene.size, self.size)
        return self._image(scene.image), boxes, labels


def detection_collate(batch):
    """Images stacked when all the same size (else a list); boxes and labels as lists."""
    images, boxes, labels = zip(*batch)
    same = len({tuple(im.shape) for im in images}) == 1
    return (torch.stack(images) if same else list(images)), list(boxes), list(labels)


class RegressionDataset(Dataset):
    """``(x float32 shape (1,), y float32 shape (1,))`` pairs, ready for ``nn.Linear(1, 1)``."""

    def __init__(self, data: RegressionSet):
        self.data = data
        self.x = torch.from_numpy(data.x).reshape(-1, 1)
        self.y = torch.from_numpy(data.y).reshape(-1, 1)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        return self.x[i], self.y[i]

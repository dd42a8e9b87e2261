"""SPPNet (He et al., ECCV 2014 / TPAMI 2015): convolutions once per image, SPP per region.

image resized (shorter side = scale) -> conv trunk once -> each proposal projected onto the
last conv map by the corner rule (with that map's own start and jump) -> spatial pyramid
pooling of its window -> fc6, fc7 -> SVM scores, box regression on the pooled features -> per-class NMS.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from archlens.detection.config import scaled_size
from archlens.detection.head import DetectionHead, Pipeline
from archlens.detection.networks import Chain, in_batches, names_between
from archlens.detection.project import map_geometry, project_boxes
from archlens.detection.spp_windows import pool_windows
from archlens.detection.warp import normalize_pixels


def scaled_input(image: torch.Tensor, scale: int) -> tuple[torch.Tensor, float]:
    """A 0..255 RGB (3, H, W) image normalised and resized so its shorter side is ``scale``,
    and the resize factor (boxes in image pixels times it are boxes in the resized image)."""
    hw = tuple(image.shape[-2:])
    size = scaled_size(hw, scale)
    resized = F.interpolate(normalize_pixels(image)[None], size=size, mode="bilinear",
                            align_corners=False)
    return resized[0], size[0] / hw[0]


class SPPNet(Pipeline):
    def __init__(self, spec, config, network: nn.Module, head: DetectionHead, batch: int = 256):
        super().__init__()
        self.network, self.head, self.batch, self.scale = network, head, batch, config.scale
        names = [layer.name for layer in spec.layers]
        cut = names.index(config.shared_until) + 1
        self.trunk = Chain(network, names[:cut], (config.shared_until,))
        self.spp = getattr(network, names[cut])
        fc = names_between(spec, cut + 1, config.feature_layer)
        self.fc = Chain(network, fc, (config.feature_layer,))
        self.geometry = map_geometry(spec, config.shared_until)  # start and jump (Appendix A)

    def feature_map(self, image: torch.Tensor) -> tuple[torch.Tensor, float]:
        """The last conv map of the resized image, and the resize factor."""
        resized, factor = scaled_input(image, self.scale)
        return self.trunk(resized[None])[0], factor

    def pooled(self, fmap: torch.Tensor, cells: torch.Tensor) -> torch.Tensor:
        """(K, C·Σn²): the pyramid over each inclusive window of cells (all windows at once)."""
        return pool_windows(fmap[0], cells, self.spp.levels)

    def region_features(self, image: torch.Tensor, boxes: torch.Tensor):
        fmap, factor = self.feature_map(image)
        cells = project_boxes(boxes * factor, self.geometry, tuple(fmap.shape[-2:]))
        pooled = self.pooled(fmap, cells)
        (feats,) = in_batches(self.fc, pooled, self.batch)
        return feats, pooled

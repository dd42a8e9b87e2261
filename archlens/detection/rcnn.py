"""R-CNN (Girshick et al., CVPR 2014): the whole CNN once per region.

proposals -> dilate by 16 px + warp each to the input size -> CNN to pool5 and fc7 ->
SVM scores, box regression on pool5 -> per-class NMS.
"""
from __future__ import annotations

import torch
from torch import nn

from archlens.detection.head import DetectionHead, Pipeline
from archlens.detection.networks import Chain, flat, in_batches, names_between
from archlens.detection.warp import normalize_pixels, warp_regions


class RCNN(Pipeline):
    def __init__(self, spec, config, network: nn.Module, head: DetectionHead, batch: int = 32):
        super().__init__()
        self.network, self.head, self.batch = network, head, batch
        self.warp_size, self.context_pad = tuple(spec.input[1:]), config.context_pad
        names = names_between(spec, 0, config.feature_layer)
        self.cnn = Chain(network, names, (config.bbox_features, config.feature_layer))

    def region_features(self, image: torch.Tensor, boxes: torch.Tensor):
        """(features (M, D), bbox features (M, B)) for a 0..255 RGB (3, H, W) image."""
        pixels = normalize_pixels(image)

        def run(chunk):
            regions = warp_regions(pixels, chunk, self.warp_size, self.context_pad)
            pool5, fc7 = self.cnn(regions)
            return flat(fc7), flat(pool5)
        return in_batches(run, boxes, self.batch)

"""SPPNet fine-tuning on whole images (He et al., TPAMI 2015, Sec. 4.1 and 4.2).

SPPNet runs the convolutions once per image, pools each window of the one conv5 map with the
pyramid, and fine-tunes the layers above on those pooled windows. The paper fine-tunes only the
fc layers, above convolutions pretrained on ImageNet; archlens has no pretrained weights, so
gradients also flow through the pyramid's max pooling into the convolutions (as Fast R-CNN later
did through RoI pooling, Girshick, ICCV 2015). Fine-tuning on warped crops instead, R-CNN's way,
trains convolutions that never see a whole image: measured on sppnet_zf5's quick recipe, 96% of
a whole image's conv5 map was then zero and mAP@0.5 was 0.01.
"""
from __future__ import annotations

import torch
from torch import nn

from archlens.detection.networks import Chain
from archlens.detection.project import map_geometry, project_boxes
from archlens.detection.spp_windows import pool_windows


class WindowClassifier(nn.Module):
    """Class scores (B, K, R) for R windows (B, R, 4) of B normalised images (B, 3, H, W)."""

    def __init__(self, spec, config, network: nn.Module):
        super().__init__()
        self.network = network                  # registered: the optimizer and DDP see its weights
        names = [layer.name for layer in spec.layers]
        cut = names.index(config.shared_until) + 1
        self.trunk = Chain(network, names[:cut], (config.shared_until,))
        self.levels = getattr(network, names[cut]).levels
        self.classifier = Chain(network, names[cut + 1:], (names[-1],))
        self.geometry = map_geometry(spec, config.shared_until)

    @property
    def spec_name(self) -> str:
        return self.network.spec_name

    def forward(self, images: torch.Tensor, windows: torch.Tensor) -> torch.Tensor:
        (fmaps,) = self.trunk(images)
        scores = []
        for fmap, boxes in zip(fmaps, windows):
            cells = project_boxes(boxes, self.geometry, tuple(fmap.shape[-2:]))
            (logits,) = self.classifier(pool_windows(fmap, cells, self.levels))
            scores.append(logits)
        return torch.stack(scores).transpose(1, 2)


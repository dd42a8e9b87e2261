"""The part R-CNN and SPPNet share after features: SVM scores -> box regression -> NMS."""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from archlens.detection.boxes import clip, nms_per_class, sanitize
from archlens.detection.svm import BoxRegressors, LinearSVMs


@dataclass(frozen=True)
class Detections:
    boxes: torch.Tensor    # (D, 4) x0, y0, x1, y1 in input-image pixels
    scores: torch.Tensor   # (D,) SVM margins, best first
    labels: torch.Tensor   # (D,) class indices 1..K-1 (0 is background)
    proposals: int         # regions that went in

    def __len__(self) -> int:
        return len(self.scores)


class DetectionHead(nn.Module):
    """SVMs on ``feature_layer``, class-specific regressors on ``bbox_features``, per-class NMS."""

    def __init__(self, feat_dim: int, bbox_dim: int, num_classes: int, nms_iou: float,
                 max_detections: int = 100):
        super().__init__()
        self.svms = LinearSVMs(feat_dim, num_classes - 1)
        self.regressors = BoxRegressors(bbox_dim, num_classes - 1)
        self.nms_iou, self.max_detections = nms_iou, max_detections

    def forward(self, feats, bbox_feats, boxes, hw, score_threshold: float = 0.0) -> Detections:
        scores = self.svms(feats)                                      # (M, K-1)
        refined = clip(self.regressors.refine(bbox_feats, boxes).reshape(-1, 4), hw)
        flat, labels = scores.flatten(), torch.arange(scores.shape[1]).repeat(len(scores)) + 1
        ok = (flat > score_threshold) & (refined[:, 2] > refined[:, 0]) & (refined[:, 3] > refined[:, 1])
        refined, flat, labels = refined[ok], flat[ok], labels[ok]
        keep = nms_per_class(refined, flat, labels, self.nms_iou)[: self.max_detections]
        return Detections(refined[keep], flat[keep], labels[keep], len(boxes))


class Pipeline(nn.Module):
    """proposals -> ``region_features`` (the method's own part) -> ``head``.

    Boxes are made safe first: quoted to the image, and degenerate boxes or boxes outside
    it dropped (``boxes.sanitize``); no boxes left means no detections, not an error.
    """

    head: DetectionHead

    def region_features(self, image: torch.Tensor, boxes: torch.Tensor):
        raise NotImplementedError

    @torch.inference_mode()
    def forward(self, image: torch.Tensor, boxes, score_threshold: float = 0.0) -> Detections:
        hw = tuple(image.shape[-2:])
        boxes, _ = sanitize(boxes, hw)
        if len(boxes) == 0:
            return empty()
        feats, bbox_feats = self.region_features(image, boxes)
        return self.head(feats, bbox_feats, boxes, hw, score_threshold)


def empty(proposals: int = 0) -> Detections:
    return Detections(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.long), proposals)

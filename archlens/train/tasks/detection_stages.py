"""The pieces of detection training: proposals per scene, fine-tuning regions, SVM and box
regressor fitting on the fine-tuned network's features, the spec's pipeline at quick size."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from ...data.datasets import image_to_tensor
from ...detection.config import detection_config
from ...detection.detector import PIPELINES
from ...detection.head import DetectionHead
from ...detection.proposals import propose
from ...detection.svm import fit_bbox_regressors, fit_svms
from ...detection.warp import subtract_mean, warp_regions
from ...geometry import numel
from ...profile import profile
from ...spec import load_spec, scale_width, with_input, with_num_classes
from ..metrics import box_iou

BG_IOU = 0.3    # SVM negatives: proposals under IoU 0.3 with every object (R-CNN Sec. 2.3)
REG_IOU = 0.6   # box-regression pairs: IoU above 0.6 (R-CNN Appendix C)


@dataclass(frozen=True)
class SceneBoxes:
    image: torch.Tensor       # (3, H, W) float RGB in 0..255, as the pipelines take it
    proposals: torch.Tensor   # (K, 4) x1 y1 x2 y2
    gt: torch.Tensor          # (G, 4)
    labels: torch.Tensor      # (G,) class ids >= 1
    difficult: torch.Tensor   # (G,) bool


def scene_boxes(scene, limit: int) -> SceneBoxes:
    image = image_to_tensor(scene.image) * 255.0
    proposals, _ = propose(image, limit, method="sliding_windows")   # deterministic
    difficult = torch.tensor([o.difficult for o in scene.objects], dtype=torch.bool)
    return SceneBoxes(image, proposals, torch.from_numpy(scene.boxes()),
                      torch.from_numpy(scene.labels()), difficult)


def warp_pad(spec) -> int:
    """R-CNN warps with context (Appendix A); SPPNet pools windows, so no context."""
    config = detection_config(load_spec(spec))
    return config.context_pad if config.method == "rcnn" else 0


def _overlap(boxes: torch.Tensor, gt: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Best IoU of each box with any ground truth, and which one."""
    if len(gt) == 0:
        return torch.zeros(len(boxes)), torch.zeros(len(boxes), dtype=torch.long)
    return box_iou(boxes, gt).max(1)


def region_samples(scenes, limit: int, warp: tuple[int, int], pad: int, per_image: int,
                   fg_iou: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Warped regions and labels: every ground-truth box, then proposals, a quarter foreground
    (R-CNN's 32 of 128), drawn with a seeded generator."""
    g = torch.Generator().manual_seed(seed)
    crops, labels = [], []
    for scene in scenes:
        s = scene_boxes(scene, limit)
        best, which = _overlap(s.proposals, s.gt)
        fg, bg = torch.nonzero(best >= fg_iou).flatten(), torch.nonzero(best < fg_iou).flatten()
        n_fg = min(len(fg), per_image // 4)
        fg = fg[torch.randperm(len(fg), generator=g)[:n_fg]]
        bg = bg[torch.randperm(len(bg), generator=g)[:per_image - n_fg]]
        boxes = torch.cat([s.gt, s.proposals[fg], s.proposals[bg]])
        labels.append(torch.cat([s.labels, s.labels[which[fg]], torch.zeros(len(bg), dtype=torch.long)]))
        crops.append(warp_regions(subtract_mean(s.image), boxes, warp, pad))
    return torch.cat(crops), torch.cat(labels)


def build_pipeline(spec, config, settings, num_classes: int, network):
    """The spec's pipeline (RCNN or SPPNet) around ``network`` at the recipe's size."""
    spec = load_spec(spec)
    quick = scale_width(with_input(with_num_classes(spec, num_classes), config.input), config.width)
    det = dataclasses.replace(detection_config(spec), proposals=settings.proposals,
                              scale=settings.scale or settings.image_size)
    prof = profile(quick)
    head = DetectionHead(numel(prof.layer(det.feature_layer).out_shape),
                         numel(prof.layer(det.bbox_features).out_shape), num_classes, det.nms_iou)
    return PIPELINES[det.method](quick, det, network.eval(), head).eval()


@torch.no_grad()
def fit_heads(pipeline, scenes, limit: int, num_classes: int) -> None:
    """SVMs (ground truth vs IoU < 0.3) and box regressors (IoU > 0.6) on training scenes."""
    svm = {"feats": [], "labels": []}
    reg = {"feats": [], "boxes": [], "targets": [], "labels": []}
    for scene in scenes:
        s = scene_boxes(scene, limit)
        if len(s.gt) == 0:
            continue
        boxes = torch.cat([s.gt, s.proposals])
        feats, bbox_feats = pipeline.region_features(s.image, boxes)
        best, which = _overlap(boxes, s.gt)
        is_gt = torch.arange(len(boxes)) < len(s.gt)
        keep = is_gt | (best < BG_IOU)
        svm["feats"].append(feats[keep])
        svm["labels"].append(torch.where(is_gt, s.labels[which], 0)[keep])
        pair = (best > REG_IOU) & ~is_gt
        reg["feats"].append(bbox_feats[pair])
        reg["boxes"].append(boxes[pair])
        reg["targets"].append(s.gt[which[pair]])
        reg["labels"].append(s.labels[which[pair]])
    svm, reg = ({k: torch.cat(v) for k, v in d.items()} for d in (svm, reg))
    with torch.enable_grad():
        pipeline.head.svms = fit_svms(svm["feats"], svm["labels"], num_classes)
    pipeline.head.regressors = fit_bbox_regressors(reg["feats"], reg["boxes"], reg["targets"],
                                                   reg["labels"], num_classes)

"""The pieces of detection training: proposals per scene, fine-tuning regions, SVM and box
regressor fitting on the fine-tuned network's features, the spec's pipeline at quick size."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import torch

from archlens.data.datasets import image_to_tensor
from archlens.detection.config import detection_config
from archlens.detection.detector import PIPELINES
from archlens.detection.head import DetectionHead
from archlens.detection.proposals import propose
from archlens.detection.svm import fit_bbox_regressors, fit_svms
from archlens.detection.sppnet import scaled_input
from archlens.detection.warp import normalize_pixels, warp_regions
from archlens.core.geometry import numel
from archlens.core.profile import profile
from archlens.spec.load import load_spec, scale_width, with_input, with_num_classes
from archlens.train.metrics import box_iou

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


def sample_regions(s: SceneBoxes, per_image: int, fg_fraction: float, fg_iou: float,
                   g: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Boxes and labels of one scene: every ground-truth box, then ``per_image`` proposals, at
    most ``fg_fraction`` of them foreground (R-CNN: 32 of 128, Sec. 2.3), the rest background."""
    best, which = _overlap(s.proposals, s.gt)
    fg, bg = torch.nonzero(best >= fg_iou).flatten(), torch.nonzero(best < fg_iou).flatten()
    n_fg = min(len(fg), int(per_image * fg_fraction))
    fg = fg[torch.randperm(len(fg), generator=g)[:n_fg]]
    bg = bg[torch.randperm(len(bg), generator=g)[:per_image - n_fg]]
    boxes = torch.cat([s.gt, s.proposals[fg], s.proposals[bg]])
    labels = torch.cat([s.labels, s.labels[which[fg]], torch.zeros(len(bg), dtype=torch.long)])
    return boxes, labels


def region_samples(scenes, limit: int, warp: tuple[int, int], pad: int, per_image: int,
                   fg_fraction: float, fg_iou: float, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """R-CNN's fine-tuning set: the sampled regions of every scene, warped; and their labels."""
    g = torch.Generator().manual_seed(seed)
    crops, labels = [], []
    for scene in scenes:
        s = scene_boxes(scene, limit)
        boxes, box_labels = sample_regions(s, per_image, fg_fraction, fg_iou, g)
        labels.append(box_labels)
        crops.append(warp_regions(normalize_pixels(s.image), boxes, warp, pad))
    return torch.cat(crops), torch.cat(labels)


def window_samples(scenes, limit: int, scale: int, per_image: int, fg_fraction: float,
                   fg_iou: float, seed: int) -> tuple[torch.Tensor, ...]:
    """SPPNet's fine-tuning set: whole images resized to ``scale``, their labels (N, R) and
    windows (N, R, 4) in resized pixels, exactly ``per_image`` windows each (ground truth first;
    cycled when a scene has fewer), so images stack into batches."""
    g = torch.Generator().manual_seed(seed)
    images, labels, windows = [], [], []
    for scene in scenes:
        s = scene_boxes(scene, limit)
        boxes, box_labels = sample_regions(s, per_image, fg_fraction, fg_iou, g)
        take = torch.arange(per_image) % len(boxes)
        image, factor = scaled_input(s.image, scale)
        images.append(image)
        labels.append(box_labels[take])
        windows.append(boxes[take] * factor)
    return torch.stack(images), torch.stack(labels), torch.stack(windows)


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
def fit_heads(pipeline, scenes, limit: int, num_classes: int, negatives: int, seed: int) -> None:
    """SVMs (ground truth vs IoU < 0.3) and box regressors (IoU > 0.6) on training scenes.

    R-CNN mines hard negatives among all of an image's proposals; here each image gives at most
    ``negatives`` of them, drawn at random, which keeps feature extraction to a fraction of the
    proposals (measured on rcnn_zf5's quick recipe: 55 s for all 150, ~15 s for 32).
    """
    g = torch.Generator().manual_seed(seed)
    svm = {"feats": [], "labels": []}
    reg = {"feats": [], "boxes": [], "targets": [], "labels": []}
    for scene in scenes:
        s = scene_boxes(scene, limit)
        if len(s.gt) == 0:
            continue
        best, which = _overlap(s.proposals, s.gt)
        background = torch.nonzero(best < BG_IOU).flatten()
        background = background[torch.randperm(len(background), generator=g)[:negatives]]
        close = torch.nonzero(best > REG_IOU).flatten()
        boxes = torch.cat([s.gt, s.proposals[background], s.proposals[close]])
        feats, bbox_feats = pipeline.region_features(s.image, boxes)
        n_svm = len(s.gt) + len(background)
        svm["feats"].append(feats[:n_svm])
        svm["labels"].append(torch.cat([s.labels, torch.zeros(len(background), dtype=torch.long)]))
        reg["feats"].append(bbox_feats[n_svm:])
        reg["boxes"].append(s.proposals[close])
        reg["targets"].append(s.gt[which[close]])
        reg["labels"].append(s.labels[which[close]])
    svm, reg = ({k: torch.cat(v) for k, v in d.items()} for d in (svm, reg))
    with torch.enable_grad():
        pipeline.head.svms = fit_svms(svm["feats"], svm["labels"], num_classes)
    pipeline.head.regressors = fit_bbox_regressors(reg["feats"], reg["boxes"], reg["targets"],
                                                   reg["labels"], num_classes)

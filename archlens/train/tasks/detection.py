"""Detection, R-CNN style (Girshick et al., CVPR 2014, Sec. 2.3), for R-CNN and SPPNet specs.

1. Fine-tune the spec's network as a region classifier: proposals with IoU >= 0.5 to a
   ground-truth box take its class, the rest are background (the ordinary loop, cross-entropy).
   R-CNN warps each region to the network's input; SPPNet pools windows of one conv map per
   image (``sppnet_finetune``).
2. One linear hinge-loss SVM per class on ``feature_layer`` features: ground-truth boxes are
   positives, proposals with IoU < 0.3 negatives (Sec. 2.3; a random sample of
   ``svm_negatives`` per image instead of hard-negative mining).
3. Class-specific ridge box regressors on ``bbox_features`` (Appendix C: IoU > 0.6, λ = 1000).
4. Validation images through the spec's own pipeline (RCNN or SPPNet) -> VOC mAP@0.5.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from archlens.data import CLASS_NAMES, ShapesConfig, ShapeScenes, read_voc
from archlens.detection.config import detection_config
from archlens.errors import DataError
from archlens.core.kinds.args import OptPosInt, PosInt, Prob
from archlens.spec.load import load_spec
from archlens.train.data import InMemory
from archlens.train.metrics import ImageDetections, mean_ap
from archlens.train.tasks.registry import register_task
from archlens.train.tasks.base import Task, TrainData
from archlens.train.tasks.classification import AccuracyMeter, image_hw
from archlens.train.tasks.detection_stages import build_pipeline, fit_heads, region_samples, scene_boxes, warp_pad, window_samples
from archlens.train.tasks.sppnet_finetune import WindowClassifier

FG_IOU = 0.5   # fine-tuning positives: IoU >= 0.5 with a ground-truth box (Sec. 2.3)


@dataclass(frozen=True)
class DetectionSettings:
    image_size: PosInt = 96          # synthetic scenes are image_size x image_size pixels
    proposals: PosInt = 200          # proposals per image (sliding windows, evenly capped)
    regions_per_image: PosInt = 32   # fine-tuning regions sampled per image
    fg_fraction: Prob = 0.25         # of which foreground at most (R-CNN: 32 of 128, Sec. 2.3)
    svm_negatives: PosInt = 32       # background proposals per image for the SVMs (random sample)
    scale: OptPosInt = None          # sppnet: shorter side before the trunk (default image_size)


def synthetic_scenes(settings, config):
    """Scenes whose objects suit the sliding-window proposals (smallest window: 32 px)."""
    d, side = config.data, settings.image_size
    scenes = ShapesConfig(height=side, width=side, max_objects=d.max_objects,
                          min_size=max(0.18, 16 / side), max_size=0.32)
    return ShapeScenes(d.n_train, d.seed, scenes), ShapeScenes(d.n_val, d.seed + 1, scenes), CLASS_NAMES


def voc_scenes(root: Path):
    train, val = (read_voc(root, split, "detection") for split in ("train", "val"))
    return train, val, train.classes


@register_task("detection")
class Detection(Task):
    metric = "accuracy"            # of the fine-tuning region classifier, per epoch
    Settings = DetectionSettings

    def data(self, spec, config, data_dir) -> TrainData:
        settings = self.settings(config, spec.where)
        if len(config.input or spec.input) != 3:
            raise DataError(f"{spec.where}: a detection network needs input [C, H, W]")
        train, val, classes = (synthetic_scenes(settings, config) if data_dir is None
                               else voc_scenes(Path(data_dir)))
        self.spec, self.settings_ = spec, settings
        self.method = detection_config(spec).method
        sets = [self._samples(spec, config, settings, scenes, config.data.seed + i)
                for i, scenes in enumerate((train, val))]
        return TrainData(InMemory(sets[0]), InMemory(sets[1]), len(classes), tuple(classes),
                         str(data_dir) if data_dir else f"synthetic shapes scenes (seed {config.data.seed})",
                         extra={"train": train, "val": val})

    def _samples(self, spec, config, settings, scenes, seed):
        """R-CNN: warped regions and labels. SPPNet: whole images, labels, windows."""
        if self.method == "sppnet":
            return window_samples(scenes, settings.proposals, settings.scale or settings.image_size,
                                  settings.regions_per_image, settings.fg_fraction, FG_IOU, seed)
        return region_samples(scenes, settings.proposals, image_hw(spec, config), warp_pad(spec),
                              settings.regions_per_image, settings.fg_fraction, FG_IOU, seed)

    def training_module(self, model, config):
        if self.method == "sppnet":
            return WindowClassifier(load_spec(self.spec), detection_config(self.spec), model)
        return model

    def loss(self, model, batch):
        if self.method == "sppnet":
            images, labels, windows = batch
            logits = model(images, windows)             # (B, K, R)
        else:
            regions, labels = batch
            logits = model(regions)                     # (N, K)
        return torch.nn.functional.cross_entropy(logits, labels), logits

    def meter(self, data):
        return AccuracyMeter()

    def fit_after(self, model, data, config, device) -> dict:
        pipeline = build_pipeline(self.spec, config, self.settings_, data.num_classes, model)
        fit_heads(pipeline, data.extra["train"], self.settings_.proposals, data.num_classes,
                  self.settings_.svm_negatives, config.data.seed)
        return evaluate_map(pipeline, data.extra["val"], self.settings_.proposals, data.num_classes)


@torch.no_grad()
def evaluate_map(pipeline, scenes, proposals: int, num_classes: int) -> dict:
    """VOC mAP@0.5 of the full pipeline over the validation scenes."""
    images = []
    for scene in scenes:
        s = scene_boxes(scene, proposals)
        dets = pipeline(s.image, s.proposals, score_threshold=float("-inf"))  # AP ranks them all
        images.append(ImageDetections(dets.boxes, dets.scores, dets.labels, s.gt, s.labels,
                                      s.difficult))
    result = mean_ap(images, num_classes)
    return {"map50": result["map50"],
            **{f"ap_class{c}": v for c, v in sorted(result["ap"].items())}}


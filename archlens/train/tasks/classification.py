"""Classification: cross-entropy (the negative log-likelihood of a softmax) and accuracy.

Synthetic data: one whole shape per image (circle, square, triangle), drawn at the recipe's
input size. ``--data DIR``: a class-per-folder tree, either ``DIR/train`` and ``DIR/val`` each
holding ``<class>/<image>``, or ``DIR/<class>/<image>`` split by ``data.val_fraction``.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

import torch.nn.functional as F

from archlens.data import CLASSIFICATION_CONFIG, SHAPE_NAMES, ImageFolder, ShapeClassification
from archlens.data.datasets import IMAGENET_NORMALIZE, ClassificationDataset
from archlens.errors import DataError
from archlens.train.data import materialize, split
from archlens.train.tasks.registry import register_task
from archlens.train.tasks.base import Meter, Task, TrainData

# Per-channel (x - mean) / std with ImageNet statistics, for synthetic and user data alike;
# measured: without it the tiny test classifier and VGG-19 at 1/8 width stayed at chance.
NORMALIZE = IMAGENET_NORMALIZE


class AccuracyMeter(Meter):
    def __init__(self):
        self.correct, self.total = 0, 0

    def update(self, outputs, batch) -> None:
        self.correct += int((outputs.argmax(1) == batch[1]).sum())   # (N, K) or (N, K, R) scores
        self.total += batch[1].numel()

    def result(self) -> dict:
        return {"accuracy": self.correct / max(1, self.total)}


def image_hw(spec, config) -> tuple[int, int]:
    shape = config.input or spec.input
    if len(shape) != 3:
        raise DataError(f"{spec.where}: an image task needs input [C, H, W], got {list(shape)}")
    return shape[1], shape[2]


def synthetic(config, hw) -> TrainData:
    d = config.data
    shapes = dataclasses.replace(CLASSIFICATION_CONFIG, height=hw[0], width=hw[1])
    wrap = lambda n, seed: materialize(ClassificationDataset(
        ShapeClassification(n, seed, shapes), normalize=NORMALIZE))
    return TrainData(wrap(d.n_train, d.seed), wrap(d.n_val, d.seed + 1), len(SHAPE_NAMES),
                     SHAPE_NAMES, f"synthetic shapes (seed {d.seed})")


def folders(root: Path, config, hw) -> TrainData:
    if (root / "JPEGImages").is_dir():
        raise DataError(f"{root}: this is a Pascal VOC folder; classification reads a "
                        f"class-per-folder tree (DIR/<class>/<image>)")
    wrap = lambda source: materialize(ClassificationDataset(source, size=hw,
                                                            normalize=NORMALIZE))
    if (root / "train").is_dir() and (root / "val").is_dir():
        train, val = ImageFolder(root / "train"), ImageFolder(root / "val")
        if train.classes != val.classes:
            raise DataError(f"{root}: train and val class folders differ ({', '.join(train.classes)}"
                            f" vs {', '.join(val.classes)}); give both the same class folders")
        _two_classes(root, train.classes)
        return TrainData(wrap(train), wrap(val), len(train.classes), train.classes, str(root))
    tree = ImageFolder(root)
    if len(tree) < 2:   # the split keeps one for training: nothing would be validated
        raise DataError(f"{root}: 1 image: too few to hold out a validation split (accuracy of "
                        f"0 images means nothing); add images, or give DIR/train and DIR/val")
    _two_classes(root, tree.classes)
    train, val = split(wrap(tree), config.data.val_fraction, config.data.seed)
    return TrainData(train, val, len(tree.classes), tree.classes, str(root))


def _two_classes(root: Path, classes: tuple[str, ...]) -> None:
    """One class is always guessed right: its accuracy of 100% would measure nothing."""
    if len(classes) < 2:
        raise DataError(f"{root}: one class folder ({classes[0]}): classification needs at least "
                        f"2 classes (one class scores 100% by always answering it); add a folder "
                        f"of images per class")


@register_task("classification")
class Classification(Task):
    metric = "accuracy"

    def data(self, spec, config, data_dir) -> TrainData:
        self.settings(config, spec.where)
        hw = image_hw(spec, config)
        return synthetic(config, hw) if data_dir is None else folders(Path(data_dir), config, hw)

    def loss(self, model, batch):
        x, y = batch
        logits = model(x)
        return F.cross_entropy(logits, y), logits

    def meter(self, data) -> Meter:
        return AccuracyMeter()

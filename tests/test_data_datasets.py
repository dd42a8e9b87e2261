"""torch Dataset wrappers: tensor types, ranges, resize of images, masks and boxes."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from archlens.data import Annotation, Scene, ShapeClassification, ShapeScenes, ShapesConfig, make_regression
from archlens.data.datasets import (IMAGENET_NORMALIZE, ClassificationDataset, DetectionDataset,
                                    RegressionDataset, SegmentationDataset, detection_collate,
                                    resize_mask)
from archlens.errors import DataError

CONFIG = ShapesConfig(height=48, width=64, boundary=1)


def test_classification_batches():
    ds = ClassificationDataset(ShapeClassification(8, seed=0))
    images, targets = next(iter(DataLoader(ds, batch_size=8)))
    assert images.shape == (8, 3, 32, 32) and images.dtype == torch.float32
    assert 0.0 <= images.min() and images.max() <= 1.0
    assert targets.dtype == torch.int64 and set(targets.tolist()) <= {0, 1, 2}
    raw, _ = ShapeClassification(8, seed=0)[3]
    assert torch.equal(images[3], torch.from_numpy(raw).permute(2, 0, 1).float() / 255)


def test_normalize_and_resize():
    ds = ClassificationDataset(ShapeClassification(2, seed=0), size=(20, 24), normalize=IMAGENET_NORMALIZE)
    plain = ClassificationDataset(ShapeClassification(2, seed=0), size=(20, 24))
    image, plain_image = ds[0][0], plain[0][0]
    assert image.shape == (3, 20, 24)
    mean, std = (torch.tensor(v).view(3, 1, 1) for v in IMAGENET_NORMALIZE)
    assert torch.allclose(image * std + mean, plain_image, atol=1e-6)


def test_segmentation_mask_resize_is_nearest():
    scenes = ShapeScenes(3, seed=1, config=CONFIG)
    ds = SegmentationDataset(scenes, size=(24, 32))
    for i in range(3):
        image, mask = ds[i]
        assert image.shape == (3, 24, 32) and mask.shape == (24, 32) and mask.dtype == torch.int64
        assert set(mask.unique().tolist()) <= set(np.unique(scenes[i].mask).tolist())
    full = SegmentationDataset(scenes)[0][1]
    assert torch.equal(full, torch.from_numpy(scenes[0].mask.astype(np.int64)))
    # nearest-exact: output pixel i takes the source pixel whose centre is nearest its own
    # centre, (i + 0.5) * 2 - 0.5 -> source index 2i + 1 when halving
    assert torch.equal(resize_mask(full, (24, 32)), full[1::2, 1::2])


def test_detection_boxes_scale_with_the_image():
    scenes = ShapeScenes(4, seed=2, config=CONFIG)
    ds = DetectionDataset(scenes, size=(24, 128))
    for i in range(4):
        image, boxes, labels = ds[i]
        want = scenes[i].boxes() * np.array([2.0, 0.5, 2.0, 0.5], dtype=np.float32)
        assert np.array_equal(boxes.numpy(), want)
        assert labels.tolist() == [o.label for o in scenes[i].objects]
    images, boxes, labels = detection_collate([ds[0], ds[1]])
    assert images.shape == (2, 3, 24, 128) and len(boxes) == len(labels) == 2


def test_difficult_objects_are_dropped_unless_kept():
    objects = (Annotation("circle", 1, (0, 0, 4, 4)), Annotation("square", 2, (1, 1, 3, 3), difficult=True))
    scene = Scene(np.zeros((8, 8, 3), np.uint8), None, objects)
    assert DetectionDataset([scene])[0][2].tolist() == [1]
    assert DetectionDataset([scene], keep_difficult=True)[0][2].tolist() == [1, 2]
    empty = DetectionDataset([Scene(np.zeros((8, 8, 3), np.uint8), None, ())])[0]
    assert empty[1].shape == (0, 4) and empty[2].shape == (0,)


def test_segmentation_without_mask_is_a_data_error():
    scene = Scene(np.zeros((8, 8, 3), np.uint8), None, (), image_id="000123")
    with pytest.raises(DataError, match="000123"):
        SegmentationDataset([scene])[0]


def test_regression_dataset():
    data = make_regression(n=10, seed=0)
    x, y = next(iter(DataLoader(RegressionDataset(data), batch_size=10)))
    assert x.shape == y.shape == (10, 1) and x.dtype == torch.float32
    assert torch.equal(x[:, 0], torch.from_numpy(data.x))


def test_bad_size():
    with pytest.raises(DataError, match="size"):
        ClassificationDataset([], size=(0, 4))

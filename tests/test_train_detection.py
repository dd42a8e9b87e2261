"""Detection training pieces: the fine-tuning samples, SPPNet's whole-image fine-tuning module
against the SPPNet inference pipeline, and a tiny end-to-end run of each method."""

import pytest
import torch

from archlens.data import ShapesConfig, ShapeScenes
from archlens.errors import TrainError
from archlens.spec.load import load_spec
from archlens.train import TrainOptions, train
from archlens.train.config import recipe
from archlens.train.metrics import box_iou
from archlens.train.model import training_model
from archlens.train.tasks import get_task
from archlens.train.tasks.detection_stages import (build_pipeline, sample_regions, scene_boxes,
                                                   window_samples)
from archlens.train.tasks.sppnet_finetune import WindowClassifier

SCENES = ShapeScenes(3, seed=5, config=ShapesConfig(height=96, width=96, max_objects=2,
                                                     min_size=0.18, max_size=0.32))


def test_sampled_regions_are_ground_truth_then_capped_foreground_then_background():
    s = scene_boxes(SCENES[0], 150)
    boxes, labels = sample_regions(s, 16, 0.25, 0.5, torch.Generator().manual_seed(0))
    g = len(s.gt)
    assert len(boxes) == g + 16
    assert torch.equal(boxes[:g], s.gt) and torch.equal(labels[:g], s.labels)
    iou, which = box_iou(boxes[g:], s.gt).max(1)
    fg = labels[g:] > 0
    assert fg.sum() <= 4                                   # 25% of 16
    assert (iou[fg] >= 0.5).all() and (iou[~fg] < 0.5).all()
    assert torch.equal(labels[g:][fg], s.labels[which[fg]])   # a region takes its object's class


def test_window_samples_stack_whole_images_with_scaled_windows():
    images, labels, windows = window_samples(SCENES, 150, 192, 16, 0.5, 0.5, seed=1)
    assert images.shape == (3, 3, 192, 192) and labels.shape == (3, 16) and windows.shape == (3, 16, 4)
    first = scene_boxes(SCENES[0], 150)
    g = len(first.gt)
    assert torch.allclose(windows[0, :g], first.gt * 2.0)         # 96 -> 192: boxes double
    assert torch.equal(labels[0, :g], first.labels)


def _quick_sppnet():
    spec = load_spec("sppnet_zf5")
    config = recipe(spec, "quick", {"data.n_train": 2, "data.n_val": 1})
    task = get_task("detection")
    data = task.data(spec, config, None)
    model = training_model(spec, config, data.num_classes, data.train.tensors[0][:2])
    return spec, config, task, data, model


def test_sppnet_finetuning_scores_windows_exactly_as_the_pipeline_does():
    # Oracle: the inference pipeline (resize inside, project boxes given in image pixels) and
    # the training module (images resized beforehand, windows pre-scaled) are two code paths.
    spec, config, task, data, model = _quick_sppnet()
    trainee = task.training_module(model, config).eval()
    assert isinstance(trainee, WindowClassifier)
    pipeline = build_pipeline(spec, config, task.settings_, data.num_classes, model)
    s = scene_boxes(data.extra["train"][0], task.settings_.proposals)
    boxes = torch.cat([s.gt, s.proposals[:20]])
    factor = config.task["scale"] / config.task["image_size"]
    with torch.no_grad():
        fc7, _ = pipeline.region_features(s.image, boxes)
        expected = model.fc8(fc7)
        image = data.train.tensors[0][:1]
        scores = trainee(image, (boxes * factor)[None])[0].T
    assert torch.allclose(scores, expected, atol=1e-5)


def test_sppnet_finetuning_trains_the_convolutions_through_the_pyramid():
    spec, config, task, data, model = _quick_sppnet()
    trainee = task.training_module(model, config).train()
    loss, scores = task.loss(trainee, data.train.__getitems__([0, 1]))
    loss.backward()
    assert scores.shape == (2, data.num_classes, config.task["regions_per_image"])
    assert model.conv1.weight.grad.abs().sum() > 0 and model.fc6.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("name", ["rcnn_zf5", "sppnet_zf5"])
def test_tiny_detection_run_reports_map(name, tmp_path):
    result = train(name, TrainOptions(quick=True, out=tmp_path / name, overrides={
        "epochs": 1, "data.n_train": 4, "data.n_val": 2, "task.proposals": 40}))
    assert 0.0 <= result.final["map50"] <= 1.0
    per_class = [v for k, v in result.final.items() if k.startswith("ap_class")]
    assert per_class and all(0.0 <= v <= 1.0 for v in per_class)   # classes seen in validation
    assert torch.isfinite(torch.tensor(result.history[0]["train_loss"]))


def test_foreground_fraction_must_be_a_probability():
    with pytest.raises(TrainError, match=r"train\.quick\.task\.fg_fraction must lie in \[0\.0, 1\.0\], got 1\.5"):
        train("rcnn_zf5", TrainOptions(quick=True, overrides={"task.fg_fraction": 1.5}))

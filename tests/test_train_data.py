"""A user's folders go through the same code as generated data; bad folders fail in one line."""
import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from archlens.data import ShapesConfig, write_shape_folders, write_shapes_voc
from archlens.train import TrainOptions, train
from train_helpers import TINY_CLASSIFIER, TINY_SEGMENTER, write_spec

SMALL_SCENES = ShapesConfig(height=32, width=32, max_objects=2)


@pytest.fixture(scope="module")
def voc_root(tmp_path_factory) -> Path:
    return write_shapes_voc(tmp_path_factory.mktemp("voc") / "VOC", 120, 40, seed=3,
                            config=SMALL_SCENES)


def test_class_folder_tree_trains_with_its_own_classes(tmp_path):
    write_shape_folders(tmp_path / "shapes", n_per_class=40, seed=5)
    spec = write_spec(tmp_path, {**TINY_CLASSIFIER, "num_classes": 7})   # overridden by the data
    result = train(spec, TrainOptions(quick=True, out=tmp_path / "run", data=tmp_path / "shapes",
                                      overrides={"epochs": 2}))
    doc = json.loads((tmp_path / "run/metrics.json").read_text())
    assert doc["num_classes"] == 3 and doc["data"] == str(tmp_path / "shapes")
    assert 0.0 <= result.final["accuracy"] <= 1.0
    # 120 images, val_fraction 0.2 -> 24 held out, resized from 32x32 to the spec's 16x16
    assert result.history[-1]["val_accuracy"] * 24 == pytest.approx(round(result.history[-1]["val_accuracy"] * 24))


def test_class_folder_tree_with_train_and_val_subfolders(tmp_path):
    write_shape_folders(tmp_path / "d/train", n_per_class=20, seed=1)
    write_shape_folders(tmp_path / "d/val", n_per_class=5, seed=2)
    spec = write_spec(tmp_path, TINY_CLASSIFIER)
    result = train(spec, TrainOptions(quick=True, out=tmp_path / "run", data=tmp_path / "d",
                                      overrides={"epochs": 1}))
    assert result.final["accuracy"] * 15 == pytest.approx(round(result.final["accuracy"] * 15))


def _val_masks(spec_path):
    from archlens.spec.load import load_spec
    from archlens.train.config import recipe
    from archlens.train.tasks import get_task
    spec = load_spec(spec_path)
    return get_task("segmentation").data(spec, recipe(spec, "quick"), None).val.tensors[1]


@pytest.mark.spread
@pytest.mark.slow
def test_tiny_segmenter_learns_on_generated_scenes(tmp_path):
    spec = write_spec(tmp_path, TINY_SEGMENTER)
    result = train(spec, TrainOptions(quick=True, out=tmp_path / "run"))
    assert {"miou", "pixel_accuracy", "val_loss"} <= set(result.final)
    # Baseline: background everywhere scores IoU = background share on class 0 and 0 on the
    # three shapes, so mean IoU = share / 4 and pixel accuracy = share. Learning beats both.
    masks = _val_masks(spec)
    share = float((masks == 0).sum()) / float((masks != 255).sum())
    assert result.final["miou"] > share / 4 + 0.05, (result.final, share)
    assert result.final["pixel_accuracy"] > share
    assert result.history[-1]["val_loss"] < result.history[0]["val_loss"]


def test_voc_folder_trains_segmentation(tmp_path, voc_root):
    spec = write_spec(tmp_path, TINY_SEGMENTER)
    result = train(spec, TrainOptions(quick=True, out=tmp_path / "run", data=voc_root,
                                      overrides={"epochs": 1}))
    assert 0.0 <= result.final["miou"] <= 1.0
    assert json.loads((tmp_path / "run/metrics.json").read_text())["num_classes"] == 4


def _copy_voc(src: Path, dst: Path) -> Path:
    import shutil
    shutil.copytree(src, dst)
    return dst


def _first_id(root: Path) -> str:
    return (root / "ImageSets/Segmentation/train.txt").read_text().split()[0]


def _break_box(root: Path) -> Path:
    xml = root / "Annotations" / f"{_first_id(root)}.xml"
    text = xml.read_text()
    xmin = re.search(r"<xmin>(\d+)</xmin>", text).group(1)
    xml.write_text(text.replace(f"<xmin>{xmin}</xmin>", "<xmin>999</xmin>", 1))
    return xml


def _unknown_class(root: Path) -> Path:
    xml = root / "Annotations" / f"{_first_id(root)}.xml"
    xml.write_text(re.sub(r"<name>\w+</name>", "<name>hexagon</name>", xml.read_text(), count=1))
    return xml


def _mask_out_of_range(root: Path) -> Path:
    png = root / "SegmentationClass" / f"{_first_id(root)}.png"
    mask = np.array(Image.open(png))
    mask[0, 0] = 9
    Image.fromarray(mask, mode="L").save(png)
    return png


def _no_images(root: Path) -> Path:
    import shutil
    shutil.rmtree(root / "JPEGImages")
    return root


@pytest.mark.parametrize("damage, expected", [
    (_break_box, "xmax"),
    (_unknown_class, "unknown class 'hexagon'"),
    (_mask_out_of_range, "labels [9] are out of range"),
    (_no_images, "not a VOC folder (no JPEGImages)"),
])
def test_broken_voc_folders_are_named_with_the_fix(tmp_path, voc_root, cli, damage, expected):
    root = _copy_voc(voc_root, tmp_path / "voc")
    bad_file = damage(root)
    spec = write_spec(tmp_path, TINY_SEGMENTER)
    code, _, err = cli("train", spec, "--quick", "--data", root, "--out", tmp_path / "run")
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"archlens: {bad_file}") and expected in err, err


def test_missing_and_misused_folders(tmp_path, cli, voc_root):
    spec = write_spec(tmp_path, TINY_CLASSIFIER)
    code, _, err = cli("train", spec, "--quick", "--data", tmp_path / "nope", "--out", tmp_path / "r")
    assert code == 2 and "nope: image folder not found; check the path" in err
    code, _, err = cli("train", spec, "--quick", "--data", voc_root, "--out", tmp_path / "r")
    assert code == 2 and "this is a Pascal VOC folder; classification reads a class-per-folder tree" in err

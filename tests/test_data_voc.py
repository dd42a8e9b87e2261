"""Pascal VOC: write then read back equals the generated data; bad files give one-line DataErrors."""
from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from archlens.data import ShapeScenes, ShapesConfig, read_voc, voc_palette, write_shapes_voc, write_voc
from archlens.data.files import MARKER
from archlens.errors import DataError

CONFIG = ShapesConfig(height=40, width=56, min_objects=1, max_objects=4, boundary=1)


@pytest.fixture(scope="module")
def voc(tmp_path_factory) -> Path:
    return write_shapes_voc(tmp_path_factory.mktemp("voc") / "shapes", 6, 4, seed=3, config=CONFIG)


def copy_of(voc: Path, tmp_path: Path) -> Path:
    """A private copy to break."""
    import shutil
    return Path(shutil.copytree(voc, tmp_path / "copy"))


def test_layout_and_id_lists(voc):
    for sub in ("JPEGImages", "Annotations", "SegmentationClass", "ImageSets/Main", "ImageSets/Segmentation"):
        assert (voc / sub).is_dir()
    main = (voc / "ImageSets/Main/train.txt").read_text().split()
    assert main == [f"{i:06d}" for i in range(6)]
    assert (voc / "ImageSets/Segmentation/val.txt").read_text().split() == [f"{i:06d}" for i in range(6, 10)]
    assert (voc / "classes.txt").read_text().split() == ["circle", "square", "triangle"]
    assert not [p for p in voc.parent.iterdir() if p.name.startswith(".")], "no temp folders left"


def test_xml_boxes_are_vocs_one_based_inclusive(voc):
    """Independent oracle: ElementTree + tight boxes recomputed from the instance PNG."""
    for image_id, scene in zip(range(6), ShapeScenes(6, seed=3, config=CONFIG)):
        root = ET.parse(voc / "Annotations" / f"{image_id:06d}.xml").getroot()
        assert (int(root.findtext("size/width")), int(root.findtext("size/height"))) == (56, 40)
        objs = root.findall("object")
        assert [o.findtext("name") for o in objs] == [o.name for o in scene.objects]
        for o, obj in zip(objs, scene.objects):
            xmin, ymin, xmax, ymax = (int(o.findtext(f"bndbox/{t}")) for t in ("xmin", "ymin", "xmax", "ymax"))
            x1, y1, x2, y2 = obj.box
            assert (xmin, ymin, xmax, ymax) == (x1 + 1, y1 + 1, x2, y2)
            assert 1 <= xmin <= xmax <= 56 and 1 <= ymin <= ymax <= 40


def test_label_png_is_a_voc_palette_png(voc):
    im = Image.open(voc / "SegmentationClass" / "000000.png")
    assert im.mode == "P"
    palette = im.getpalette()
    assert palette[3:6] == [128, 0, 0] and palette[6:9] == [0, 128, 0] and palette[765:768] == [224, 224, 192]
    assert palette == voc_palette()


@pytest.mark.parametrize("split, seed, task", [("train", 3, "segmentation"), ("val", 4, "detection")])
def test_round_trip(voc, split, seed, task):
    back = read_voc(voc, split, task)
    made = ShapeScenes(len(back), seed=seed, config=CONFIG)
    assert back.classes == ("background", "circle", "square", "triangle")
    for got, want in zip(back, made):
        assert [(o.name, o.label, o.box, o.truncated) for o in got.objects] == \
               [(o.name, o.label, o.box, o.truncated) for o in want.objects]
        assert got.image.shape == want.image.shape
        assert np.abs(got.image.astype(int) - want.image.astype(int)).mean() < 4  # JPEG q95
        if task == "segmentation":
            assert np.array_equal(got.mask, want.mask) and (got.mask == 255).any()
        else:
            assert got.mask is None


def test_overwrite_rules(voc, tmp_path):
    target = tmp_path / "ds"
    write_voc(target, {"train": ShapeScenes(1, 0, CONFIG)}, ["circle", "square", "triangle"])
    with pytest.raises(DataError, match="already exists"):
        write_voc(target, {"train": ShapeScenes(1, 0, CONFIG)}, ["circle"])
    write_voc(target, {"train": ShapeScenes(2, 0, CONFIG)}, ["circle", "square", "triangle"], overwrite=True)
    assert len(read_voc(target)) == 2
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    with pytest.raises(DataError, match="not a dataset written by archlens"):
        write_voc(foreign, {"train": ShapeScenes(1, 0, CONFIG)}, ["circle"], overwrite=True)
    assert (foreign / "thesis.tex").read_text() == "precious"


def test_failed_write_leaves_the_old_dataset(tmp_path):
    target = tmp_path / "ds"
    write_voc(target, {"train": ShapeScenes(2, 0, CONFIG)}, ["circle", "square", "triangle"])
    before = sorted(str(p.relative_to(target)) for p in target.rglob("*"))

    class Broken(list):
        def __getitem__(self, i):
            raise RuntimeError("generator crashed")

        def __iter__(self):
            yield ShapeScenes(1, 0, CONFIG)[0]
            raise RuntimeError("generator crashed")

    with pytest.raises(RuntimeError):
        write_voc(target, {"train": Broken([0, 0, 0])}, ["circle"], overwrite=True)
    assert sorted(str(p.relative_to(target)) for p in target.rglob("*")) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ds"]


# ---- bad user data: each a one-line DataError naming the file --------------------------------

def expect(match_file: str | Path, fn, *args, **kwargs) -> str:
    with pytest.raises(DataError) as err:
        fn(*args, **kwargs)
    message = str(err.value)
    assert "\n" not in message and str(match_file) in message, message
    return message


def edit_xml(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def first_box_tag(root: Path, tag: str) -> tuple[Path, str]:
    path = root / "Annotations" / "000000.xml"
    value = ET.parse(path).getroot().findtext(f"object/bndbox/{tag}")
    return path, f"<{tag}>{value}</{tag}>"


def test_missing_folder(tmp_path):
    expect(tmp_path / "nope", read_voc, tmp_path / "nope")


def test_points_at_voc20xx_inside_vocdevkit(voc, tmp_path):
    devkit = tmp_path / "VOCdevkit"
    devkit.mkdir()
    os.symlink(voc, devkit / "VOC2012")
    message = expect(devkit, read_voc, devkit)
    assert "VOC2012" in message


def test_missing_split_lists_available(voc):
    message = expect(voc / "ImageSets" / "Main" / "test.txt", read_voc, voc, "test")
    assert "train, val" in message


def test_malformed_xml(voc, tmp_path):
    root = copy_of(voc, tmp_path)
    path = root / "Annotations" / "000000.xml"
    path.write_text(path.read_text()[:-30])
    expect(path, read_voc, root)


@pytest.mark.parametrize("case, expected", [("swapped", "min > max"), ("outside", "outside"),
                                            ("non-numeric", "not a number"), ("missing", "missing")])
def test_broken_boxes(voc, tmp_path, case, expected):
    root = copy_of(voc, tmp_path)
    path, xmax = first_box_tag(root, "xmax")
    _, xmin = first_box_tag(root, "xmin")
    xmin_value = int(xmin[len("<xmin>"):-len("</xmin>")])
    new = {"swapped": f"<xmax>{xmin_value - 1}</xmax>", "outside": "<xmax>57</xmax>",
           "non-numeric": "<xmax>12px</xmax>", "missing": ""}[case]
    edit_xml(path, xmax, new)
    message = expect(path, read_voc, root)
    assert "object 1" in message and expected in message


def test_xmin_equal_xmax_is_a_one_pixel_box(voc, tmp_path):
    root = copy_of(voc, tmp_path)
    path, xmax = first_box_tag(root, "xmax")
    _, xmin = first_box_tag(root, "xmin")
    edit_xml(path, xmax, xmin.replace("xmin", "xmax"))
    box = read_voc(root).annotations[0].objects[0].box
    assert box[2] - box[0] == 1


def test_unknown_class(voc, tmp_path):
    root = copy_of(voc, tmp_path)
    path = root / "Annotations" / "000000.xml"
    name = ET.parse(path).getroot().findtext("object/name")
    edit_xml(path, f"<name>{name}</name>", "<name>hexagon</name>")
    message = expect(path, read_voc, root)
    assert "hexagon" in message and "circle" in message


def test_mask_labels_out_of_range(voc, tmp_path):
    root = copy_of(voc, tmp_path)
    path = root / "SegmentationClass" / "000001.png"
    mask = np.array(Image.open(path))
    mask[0, 0] = 7
    im = Image.fromarray(mask, "P")
    im.putpalette(voc_palette())
    im.save(path)
    message = expect(path, lambda: read_voc(root, task="segmentation")[1])
    assert "[7]" in message


def test_rgb_mask_is_rejected(voc, tmp_path):
    root = copy_of(voc, tmp_path)
    path = root / "SegmentationClass" / "000002.png"
    Image.open(path).convert("RGB").save(path)
    expect(path, lambda: read_voc(root, task="segmentation")[2])


def test_image_that_is_not_an_image(voc, tmp_path):
    root = copy_of(voc, tmp_path)
    path = root / "JPEGImages" / "000003.jpg"
    path.write_bytes(b"<html>404 not found</html>")
    expect(path, lambda: read_voc(root)[3])


def test_missing_annotation(voc, tmp_path):
    root = copy_of(voc, tmp_path)
    (root / "Annotations" / "000004.xml").unlink()
    expect(root / "Annotations" / "000004.xml", read_voc, root)


def test_image_size_disagrees_with_xml(voc, tmp_path):
    root = copy_of(voc, tmp_path)
    path = root / "JPEGImages" / "000005.jpg"
    Image.open(path).resize((20, 20)).save(path)
    expect(path, lambda: read_voc(root)[5])


def test_marker_written(voc):
    assert (voc / MARKER).is_file()


REAL_VOC2007_XML = """<annotation>
	<folder>VOC2007</folder>
	<filename>000005.jpg</filename>
	<source><database>The VOC2007 Database</database><annotation>PASCAL VOC2007</annotation></source>
	<owner><flickrid>archlens</flickrid><name>?</name></owner>
	<size><width>50</width><height>40</height><depth>3</depth></size>
	<segmented>0</segmented>
	<object><name>chair</name><pose>Rear</pose><truncated>0</truncated><difficult>0</difficult>
		<bndbox><xmin>3</xmin><ymin>5</ymin><xmax>20</xmax><ymax>40</ymax></bndbox></object>
	<object><name>chair</name><pose>Unspecified</pose><truncated>1</truncated><difficult>1</difficult>
		<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>50.0</xmax><ymax>12</ymax></bndbox></object>
</annotation>
"""


def test_reads_real_voc2007_layout(tmp_path):
    """No classes.txt: the 20 VOC classes apply; 'difficult' and 'truncated' are read."""
    from archlens.data import VOC_CLASSES
    from archlens.data.datasets import DetectionDataset
    for sub in ("JPEGImages", "Annotations", "ImageSets/Main"):
        (tmp_path / sub).mkdir(parents=True)
    Image.new("RGB", (50, 40)).save(tmp_path / "JPEGImages" / "000005.jpg")
    (tmp_path / "Annotations" / "000005.xml").write_text(REAL_VOC2007_XML)
    (tmp_path / "ImageSets/Main/trainval.txt").write_text("000005\n")
    split = read_voc(tmp_path, "trainval")
    scene = split[0]
    chair = VOC_CLASSES.index("chair") + 1
    assert split.classes[chair] == "chair" and scene.image_id == "000005"
    assert [(o.label, o.box, o.difficult, o.truncated) for o in scene.objects] == [
        (chair, (2, 4, 20, 40), False, False), (chair, (0, 0, 50, 12), True, True)]
    assert DetectionDataset(split)[0][1].tolist() == [[2.0, 4.0, 20.0, 40.0]]

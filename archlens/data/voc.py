"""Pascal VOC layout: write a dataset (synthetic or any ``Scene`` list) and read real VOC2007/2012.

Layout under ``root`` (the folder that holds JPEGImages, e.g. ``VOCdevkit/VOC2012``)::

    JPEGImages/<id>.jpg              Annotations/<id>.xml (1-based inclusive boxes)
    SegmentationClass/<id>.png       palette PNG; index = class id, 255 = ignore/boundary
    SegmentationObject/<id>.png      palette PNG; index = object number (written when known)
    ImageSets/Main/<split>.txt       image ids for detection
    ImageSets/Segmentation/<split>.txt  image ids for segmentation
    classes.txt                      archlens extension: class names without background

Inside the library boxes are 0-based half-open (``records.py``); ``vocxml.py`` converts.
"""
from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from archlens.data.files import atomic_directory, read_label_png, read_rgb, write_image, write_label_png
from archlens.data.records import IGNORE_LABEL, Scene
from archlens.data.shapes import CLASS_NAMES, ShapesConfig, ShapeScenes
from archlens.data.vocxml import VocAnnotation, build_xml, parse_xml
from archlens.errors import DataError

VOC_CLASSES = ("aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair",
               "cow", "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep",
               "sofa", "train", "tvmonitor")   # the 20 VOC classes; class id = index + 1
_ID_LISTS = {"detection": "Main", "segmentation": "Segmentation"}


def voc_palette() -> list[int]:
    """The 256-colour VOC palette as a flat [r, g, b, ...] list (index 255 is (224, 224, 192))."""
    palette = []
    for i in range(256):
        r = g = b = 0
        bits = i
        for shift in range(8):
            r |= ((bits >> 0) & 1) << (7 - shift)
            g |= ((bits >> 1) & 1) << (7 - shift)
            b |= ((bits >> 2) & 1) << (7 - shift)
            bits >>= 3
        palette += [r, g, b]
    return palette


def write_voc(root: str | os.PathLike, splits: Mapping[str, Sequence[Scene]],
              classes: Sequence[str], overwrite: bool = False,
              provenance: dict | None = None) -> Path:
    """Write scenes in VOC layout; ids are '000000', '000001', ... across splits in order.

    ``classes`` lists names without background (class id = index + 1). The folder appears at
    ``root`` only when complete (see ``files.atomic_directory``).
    """
    with atomic_directory(root, overwrite, provenance) as tmp:
        _make_dirs(tmp)
        (tmp / "classes.txt").write_text("".join(f"{name}\n" for name in classes))
        counter = 0
        for split, scenes in splits.items():
            ids = [f"{counter + i:06d}" for i in range(len(scenes))]
            counter += len(ids)
            for image_id, scene in zip(ids, scenes):
                _write_scene(tmp, image_id, scene)
            _write_ids(tmp, split, ids, [s.mask is not None for s in scenes])
    return Path(root)


def _make_dirs(tmp: Path) -> None:
    """Create the VOC sub-folders."""
    for sub in ("JPEGImages", "Annotations", "SegmentationClass", "SegmentationObject",
                "ImageSets/Main", "ImageSets/Segmentation"):
        (tmp / sub).mkdir(parents=True)


def _write_scene(tmp: Path, image_id: str, scene: Scene) -> None:
    """Image, XML and (when present) the class and object label PNGs of one scene."""
    h, w = scene.size
    write_image(tmp / "JPEGImages" / f"{image_id}.jpg", scene.image)
    xml = build_xml(image_id, h, w, scene.objects, segmented=scene.mask is not None)
    (tmp / "Annotations" / f"{image_id}.xml").write_bytes(xml)
    if scene.mask is not None:
        write_label_png(tmp / "SegmentationClass" / f"{image_id}.png", scene.mask, voc_palette())
    if scene.instances is not None:
        write_label_png(tmp / "SegmentationObject" / f"{image_id}.png", scene.instances, voc_palette())


def _write_ids(tmp: Path, split: str, ids: Sequence[str], segmented: Sequence[bool]) -> None:
    """ImageSets/Main/<split>.txt (all ids) and ImageSets/Segmentation/<split>.txt (masked ids)."""
    (tmp / "ImageSets/Main" / f"{split}.txt").write_text("".join(f"{i}\n" for i in ids))
    seg = [i for i, has_mask in zip(ids, segmented) if has_mask]
    (tmp / "ImageSets/Segmentation" / f"{split}.txt").write_text("".join(f"{i}\n" for i in seg))


def write_shapes_voc(root: str | os.PathLike, n_train: int, n_val: int, seed: int = 0,
                     config: ShapesConfig | None = None, overwrite: bool = False) -> Path:
    """Generate the shapes world and write it as VOC; train uses ``seed``, val ``seed + 1``."""
    config = config or ShapesConfig()
    splits = {"train": ShapeScenes(n_train, seed, config), "val": ShapeScenes(n_val, seed + 1, config)}
    provenance = {"generator": "archlens.data.shapes", "seed": seed, "n_train": n_train,
                  "n_val": n_val, "config": asdict(config)}
    return write_voc(root, splits, CLASS_NAMES[1:], overwrite, provenance)


def read_voc(root: str | os.PathLike, split: str = "train", task: str = "detection",
             classes: Sequence[str] | None = None) -> "VocSplit":
    """Open one split of a VOC folder for ``task`` 'detection' or 'segmentation'.

    ``classes`` (names without background) defaults to ``root/classes.txt`` when present, else
    the 20 ``VOC_CLASSES``. All XML files are parsed and checked now; images load lazily.
    """
    return VocSplit(root, split, task, classes)


class VocSplit(Sequence[Scene]):
    """A Sequence of ``Scene`` (image_id set; ``mask`` only for task='segmentation')."""

    def __init__(self, root: str | os.PathLike, split: str, task: str,
                 classes: Sequence[str] | None = None):
        if task not in _ID_LISTS:
            raise DataError(f"unknown task {task!r}; use 'detection' or 'segmentation'")
        self.root, self.split, self.task = _check_root(Path(root)), split, task
        self.classes = ("background", *(classes or _default_classes(self.root)))
        self.ids = _read_ids(self.root / "ImageSets" / _ID_LISTS[task] / f"{split}.txt")
        self.annotations = [self._annotation(i) for i in self.ids]

    def _annotation(self, image_id: str) -> VocAnnotation | None:
        """Parsed XML; required for detection, optional for segmentation."""
        path = self.root / "Annotations" / f"{image_id}.xml"
        if self.task == "segmentation" and not path.exists():
            return None
        if not path.is_file():
            raise DataError(f"{path}: missing annotation for image id {image_id!r} listed in "
                            f"ImageSets; add the XML or remove the id")
        return parse_xml(path, self.classes)

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> Scene:  # type: ignore[override]
        image_id, ann = self.ids[i], self.annotations[i]
        image_path = self.root / "JPEGImages" / f"{image_id}.jpg"
        image = read_rgb(image_path)
        if ann is not None and image.shape[:2] != (ann.height, ann.width):
            raise DataError(f"{image_path}: image is {image.shape[1]}x{image.shape[0]} but its XML "
                            f"says {ann.width}x{ann.height}; fix <size> or the image")
        mask = self._mask(image_id, image.shape[:2]) if self.task == "segmentation" else None
        objects = ann.objects if ann is not None else ()
        return Scene(image, mask, objects, image_id=image_id)

    def _mask(self, image_id: str, hw: tuple[int, ...]) -> np.ndarray:
        """SegmentationClass PNG, checked for size and label range."""
        path = self.root / "SegmentationClass" / f"{image_id}.png"
        mask = read_label_png(path)
        if mask.shape != hw:
            raise DataError(f"{path}: mask is {mask.shape[1]}x{mask.shape[0]} but the image is "
                            f"{hw[1]}x{hw[0]}; resize or regenerate the mask")
        bad = np.unique(mask[(mask >= len(self.classes)) & (mask != IGNORE_LABEL)])
        if bad.size:
            raise DataError(f"{path}: labels {bad.tolist()} are out of range (classes are "
                            f"0..{len(self.classes) - 1}, 255 = ignore); fix the mask or the class list")
        return mask


def _check_root(root: Path) -> Path:
    """The folder must hold JPEGImages and ImageSets; point at VOC20xx inside VOCdevkit."""
    if not root.is_dir():
        raise DataError(f"{root}: dataset folder not found; check the path")
    missing = [d for d in ("JPEGImages", "ImageSets") if not (root / d).is_dir()]
    if missing:
        inner = sorted(p.name for p in root.glob("VOC*") if (p / "JPEGImages").is_dir())
        hint = f"; did you mean {root / inner[0]}" if inner else ""
        raise DataError(f"{root}: not a VOC folder (no {' or '.join(missing)}); point at the folder "
                        f"that holds JPEGImages{hint}")
    return root


def _default_classes(root: Path) -> tuple[str, ...]:
    """classes.txt (one name per line, no background) or the 20 VOC classes."""
    path = root / "classes.txt"
    if not path.is_file():
        return VOC_CLASSES
    names = [line.strip() for line in path.read_text().splitlines() if line.strip()]
    if not names or len(set(names)) != len(names) or "background" in names:
        raise DataError(f"{path}: need distinct class names, one per line, without 'background'; fix the file")
    return tuple(names)


def _read_ids(path: Path) -> list[str]:
    """Image ids, the first token of each non-blank line."""
    if not path.is_file():
        splits = sorted(p.stem for p in path.parent.glob("*.txt") if "_" not in p.stem)
        raise DataError(f"{path}: split list not found; available splits: "
                        f"{', '.join(splits) or 'none'}")
    ids = [line.split()[0] for line in path.read_text().splitlines() if line.strip()]
    if not ids:
        raise DataError(f"{path}: split list is empty; add image ids, one per line")
    return ids

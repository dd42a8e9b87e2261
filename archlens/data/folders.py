"""Class-per-folder image trees (``root/<class_name>/*.png|jpg``): read any, write the shapes set.

Class targets are the sorted folder names' indices (0-based), the convention of torchvision's
``ImageFolder``; for the shapes set that is 0 circle, 1 square, 2 triangle (``SHAPE_NAMES``).
Hidden entries (names starting with '.') and files with other extensions are ignored.
"""
from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

import numpy as np

from archlens.data.files import atomic_directory, read_rgb, write_image
from archlens.data.shapes import CLASSIFICATION_CONFIG, SHAPE_NAMES, ShapesConfig, make_classification
from archlens.errors import DataError

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp")   # matched case-insensitively


def scan_image_folder(root: str | os.PathLike, extensions: Sequence[str] = IMAGE_EXTENSIONS
                      ) -> tuple[tuple[str, ...], list[tuple[Path, int]]]:
    """``(class names sorted, [(image path, target), ...])``; files sorted within each class."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"{root}: image folder not found; check the path")
    classes = tuple(sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")))
    if not classes:
        raise DataError(f"{root}: no class folders; lay images out as {root}/<class_name>/<image>")
    samples = []
    for target, name in enumerate(classes):
        files = _images_in(root / name, extensions)
        samples += [(path, target) for path in files]
    return classes, samples


def _images_in(folder: Path, extensions: Sequence[str]) -> list[Path]:
    """Sorted image files directly inside one class folder; at least one."""
    exts = {e.lower() for e in extensions}
    files = sorted(p for p in folder.iterdir()
                   if p.is_file() and not p.name.startswith(".") and p.suffix.lower() in exts)
    if not files:
        raise DataError(f"{folder}: class folder has no images ({', '.join(sorted(exts))}); "
                        f"add images or remove the folder")
    return files


class ImageFolder(Sequence[tuple[np.ndarray, int]]):
    """A Sequence of ``(image uint8 HxWx3 RGB, target)``; images load lazily."""

    def __init__(self, root: str | os.PathLike, extensions: Sequence[str] = IMAGE_EXTENSIONS):
        self.root = Path(root)
        self.classes, self.samples = scan_image_folder(self.root, extensions)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:  # type: ignore[override]
        path, target = self.samples[i]
        return read_rgb(path), target


def write_shape_folders(root: str | os.PathLike, n_per_class: int, seed: int = 0,
                        config: ShapesConfig = CLASSIFICATION_CONFIG,
                        overwrite: bool = False) -> Path:
    """Write ``n_per_class`` lossless PNGs per shape to ``root/<shape>/<index:06d>.png``.

    Image ``k`` of class ``c`` is ``make_classification(seed, c * n_per_class + k, config, shape)``.
    The folder appears at ``root`` only when complete.
    """
    provenance = {"generator": "archlens.data.shapes (classification)", "seed": seed,
                  "n_per_class": n_per_class, "config": asdict(config)}
    with atomic_directory(root, overwrite, provenance) as tmp:
        for c, shape in enumerate(SHAPE_NAMES):
            (tmp / shape).mkdir()
            for k in range(n_per_class):
                image, _ = make_classification(seed, c * n_per_class + k, config, shape)
                write_image(tmp / shape / f"{k:06d}.png", image)
    return Path(root)

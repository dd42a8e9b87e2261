"""Image files and whole-folder writes: the only module that touches Pillow.

Every failure a user's file can cause becomes a one-line ``DataError`` naming the file and the fix.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
from PIL import Image, UnidentifiedImageError

from archlens.errors import DataError
from archlens.files import swap_folder_in

MARKER = "archlens-dataset.json"   # written into every dataset folder we create
_PIL_ERRORS = (OSError, ValueError, SyntaxError, UnidentifiedImageError)


def _open(path: Path) -> Image.Image:
    """Open and fully decode a dataset's image file, or raise a located DataError."""
    if not path.is_file():
        raise DataError(f"{path}: file not found; check the dataset folder and the image id lists")
    try:
        return decode_image(path)
    except DataError as exc:
        raise DataError(f"{exc}; replace or remove the file") from None


def decode_image(path: Path) -> Image.Image:
    """Open and fully decode an image file, refusing a decompression bomb (a few bytes that
    declare billions of pixels) before decoding it; anything unreadable is a DataError."""
    try:
        with warnings.catch_warnings():
            # Past MAX_IMAGE_PIXELS Pillow only warns (on stderr) and decodes anyway
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                im.load()
                return im.copy()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as bomb:
        raise DataError(f"{path}: declares {_pixels(bomb)}, more than the "
                        f"{Image.MAX_IMAGE_PIXELS:,} archlens decodes (Pillow's "
                        f"decompression-bomb limit)") from None
    except _PIL_ERRORS as err:
        raise DataError(f"{path}: not a readable image ({type(err).__name__})") from None


def _pixels(bomb: Exception) -> str:
    """'10,000,000,000 pixels' from Pillow's 'Image size (10000000000 pixels) exceeds ...'."""
    found = re.search(r"\((\d+) pixels\)", str(bomb))
    return f"{int(found.group(1)):,} pixels" if found else "too many pixels"


def read_rgb(path: str | os.PathLike) -> np.ndarray:
    """Read any image file as uint8 RGB, shape H x W x 3."""
    return np.array(_open(Path(path)).convert("RGB"), dtype=np.uint8)   # writable copy


def read_label_png(path: str | os.PathLike) -> np.ndarray:
    """Read a label map (palette 'P' or greyscale 'L' PNG) as its uint8 indices, shape H x W.

    Palette colours are ignored: the stored index is the class id (VOC convention).
    """
    path = Path(path)
    im = _open(path)
    if im.mode not in ("P", "L"):
        raise DataError(f"{path}: label image has mode {im.mode!r}, need a palette (P) or "
                        f"greyscale (L) PNG whose pixel values are class ids; re-save it")
    return np.array(im, dtype=np.uint8)


def write_image(path: Path, image: np.ndarray, quality: int = 95) -> None:
    """Write uint8 H x W x 3 RGB; format from the suffix (.jpg lossy at ``quality``, .png lossless)."""
    im = Image.fromarray(np.ascontiguousarray(image, dtype=np.uint8), "RGB")
    if path.suffix.lower() in (".jpg", ".jpeg"):
        im.save(path, quality=quality, subsampling=0)
    else:
        im.save(path)


def write_label_png(path: Path, mask: np.ndarray, palette: Sequence[int]) -> None:
    """Write uint8 H x W class ids as a palette PNG (lossless; index = class id)."""
    im = Image.fromarray(np.ascontiguousarray(mask, dtype=np.uint8), "P")
    im.putpalette(list(palette))
    im.save(path)


def _check_replaceable(root: Path, overwrite: bool) -> None:
    """Refuse to replace anything that is not an empty folder or a dataset we wrote."""
    if not root.exists():
        return
    if not root.is_dir():
        raise DataError(f"{root}: exists and is not a folder; choose another output path")
    if not overwrite:
        raise DataError(f"{root}: already exists; pass overwrite=True or choose another folder")
    if any(root.iterdir()) and not (root / MARKER).is_file():
        raise DataError(f"{root}: not a dataset written by archlens (no {MARKER}); refusing to "
                        f"replace it: remove it yourself or choose another folder")


@contextmanager
def atomic_directory(root: str | os.PathLike, overwrite: bool = False,
                     provenance: dict | None = None) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success it replaces ``root`` by renames.

    A folder swap, not a file write, so it is not ``archlens.files.write_atomically``: the
    files written inside the temporary folder need no atomic write of their own, since none
    of them is visible at ``root`` until the whole folder is renamed in.

    On any exception the temporary folder is removed and ``root`` is untouched, so a half-written
    dataset never appears at ``root``. ``provenance`` (JSON-able) is written to ``MARKER``.
    """
    root = Path(root)
    _check_replaceable(root, overwrite)
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}.", suffix=".tmp", dir=root.parent))
    try:
        yield tmp
        (tmp / MARKER).write_text(json.dumps(provenance or {}, indent=2, sort_keys=True) + "\n")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    swap_folder_in(tmp, root)

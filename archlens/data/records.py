"""The records every data source yields, so one Dataset wrapper serves synthetic and real data.

Box convention (used everywhere in ``archlens.data`` except inside VOC XML files):
``(x1, y1, x2, y2)`` in 0-based pixel-edge coordinates, half-open. A box covers columns
``x1 .. x2-1`` and rows ``y1 .. y2-1``; its width is ``x2 - x1``. Pixel ``(row r, col c)`` spans
``[c, c+1) x [r, r+1)``, so resizing an image by a factor scales boxes by the same factor.
Pascal VOC XML stores 1-based inclusive pixel indices; ``voc.py`` converts at the boundary:
``xmin = x1 + 1, xmax = x2`` (and the same for y).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Box = tuple[float, float, float, float]   # (x1, y1, x2, y2), 0-based, half-open, pixels

IGNORE_LABEL = 255                        # mask value meaning "ignore" (VOC boundary / void)


@dataclass(frozen=True)
class Annotation:
    """One annotated object."""

    name: str                  # class name, e.g. 'circle' or 'dog'
    label: int                 # class id: index into the source's class list; 0 is background
    box: Box                   # tight box of the whole object, quoted to the image (see above)
    difficult: bool = False    # VOC 'difficult' flag (excluded from training by default)
    truncated: bool = False    # object extends beyond the image border


@dataclass(frozen=True, eq=False)
class Scene:
    """One image with its annotations.

    ``mask`` is None for sources without segmentation (e.g. a VOC detection-only image);
    ``instances`` is None unless the source knows which pixel belongs to which object.
    """

    image: np.ndarray                    # uint8, H x W x 3, RGB
    mask: np.ndarray | None              # uint8, H x W, class ids; 255 = ignore
    objects: tuple[Annotation, ...]      # in drawing order (later objects occlude earlier ones)
    instances: np.ndarray | None = None  # uint8, H x W; 0 = background, k = objects[k-1]
    image_id: str = ""                   # file stem on disk ('' for generated scenes)

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) in pixels."""
        return int(self.image.shape[0]), int(self.image.shape[1])

    def boxes(self) -> np.ndarray:
        """All boxes as a float32 array of shape (N, 4), convention as above."""
        return np.array([o.box for o in self.objects], dtype=np.float32).reshape(-1, 4)

    def labels(self) -> np.ndarray:
        """All class ids as an int64 array of shape (N,)."""
        return np.array([o.label for o in self.objects], dtype=np.int64)

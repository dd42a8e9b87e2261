"""One deterministic world of shapes: circles, squares and triangles on noisy backgrounds.

Every scene is a pure function of ``(seed, index, config)``: scene ``i`` is drawn from
``numpy.random.default_rng([seed, i])``, so scenes can be generated in any order, in parallel, or
lazily inside a ``Dataset``, and are byte-identical every time (for a given numpy version).

Class ids: 0 background, 1 circle, 2 square, 3 triangle (``CLASS_NAMES``). The classification
target is the class id minus one (0 circle, 1 square, 2 triangle), which is also the sorted order of
the class-folder names. Boxes follow the convention in ``records.py``: 0-based, half-open pixels.
Pixel ``(row r, col c)`` belongs to a shape when its centre ``(c + 0.5, r + 0.5)`` is inside it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from archlens.data.records import IGNORE_LABEL, Annotation, Scene
from archlens.errors import DataError

CLASS_NAMES = ("background", "circle", "square", "triangle")   # index = class id
SHAPE_NAMES = CLASS_NAMES[1:]                                   # index = classification target
_SIDES = {"square": 4, "triangle": 3}                           # circles are not polygons
_PLACEMENT_TRIES = 20


@dataclass(frozen=True)
class ShapesConfig:
    """How scenes look. Sizes are circumradii as a fraction of ``min(height, width)``."""

    height: int = 64             # image rows, pixels (any size; need not be square)
    width: int = 64              # image columns, pixels
    min_objects: int = 1         # objects per scene, inclusive range (fewer if placement fails)
    max_objects: int = 4
    min_size: float = 0.12       # smallest circumradius, fraction of min(height, width)
    max_size: float = 0.30       # largest circumradius, fraction of min(height, width); <= 0.5
    noise_std: float = 8.0       # Gaussian pixel noise, standard deviation in grey levels (0..255)
    max_hidden: float = 0.5      # fraction of an object's pixels later objects may cover
    min_contrast: float = 100.0  # least RGB distance between an object colour and the background
    max_rotation: float = 180.0  # squares/triangles turn uniformly within +-this many degrees of upright
    boundary: int = 0            # width (pixels) of the 255 'ignore' band on each side of an edge

    def __post_init__(self) -> None:
        problems = _config_problems(self)
        if problems:
            raise DataError(f"ShapesConfig: {problems[0]}")


def _config_problems(c: ShapesConfig) -> list[str]:
    """Every violated constraint, as 'field: problem; fix' strings."""
    checks = [
        (c.height >= 8 and c.width >= 8, "height and width must be >= 8 pixels"),
        (1 <= c.min_objects <= c.max_objects <= 254,
         "need 1 <= min_objects <= max_objects <= 254"),
        (0 < c.min_size <= c.max_size <= 0.5, "need 0 < min_size <= max_size <= 0.5"),
        (c.min_size * min(c.height, c.width) >= 2, "min_size gives shapes under 2 pixels; raise it"),
        (c.noise_std >= 0, "noise_std must be >= 0"),
        (0 <= c.max_hidden <= 1, "max_hidden must be in [0, 1]"),
        (0 <= c.min_contrast <= 255, "min_contrast must be in [0, 255]"),
        (0 <= c.max_rotation <= 180, "max_rotation must be in [0, 180] degrees"),
        (c.boundary >= 0, "boundary must be >= 0 pixels"),
    ]
    return [msg for ok, msg in checks if not ok]


CLASSIFICATION_CONFIG = ShapesConfig(height=32, width=32, min_objects=1, max_objects=1,
                                     min_size=0.25, max_size=0.45, max_rotation=20.0)


@dataclass(frozen=True)
class _Shape:
    """A shape in continuous pixel coordinates."""

    name: str
    cx: float      # centre column, pixels
    cy: float      # centre row, pixels
    r: float       # circumradius, pixels
    angle: float   # rotation of the first vertex, radians (unused for circles)

    def vertices(self) -> np.ndarray:
        """Polygon corners as an (n, 2) array of (x, y)."""
        n = _SIDES[self.name]
        t = self.angle + 2 * math.pi * np.arange(n) / n
        return np.stack([self.cx + self.r * np.cos(t), self.cy + self.r * np.sin(t)], axis=1)


def _window(shape: _Shape, h: int, w: int) -> tuple[int, int, int, int]:
    """Integer (x0, y0, x1, y1) half-open window, inside the image, that holds the shape."""
    x0, y0 = math.floor(shape.cx - shape.r), math.floor(shape.cy - shape.r)
    x1, y1 = math.ceil(shape.cx + shape.r) + 1, math.ceil(shape.cy + shape.r) + 1
    return max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)


def _inside(shape: _Shape, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Boolean: which points (pixel centres) lie inside the shape."""
    if shape.name == "circle":
        return (px - shape.cx) ** 2 + (py - shape.cy) ** 2 <= shape.r ** 2
    v = shape.vertices()
    e = np.roll(v, -1, axis=0) - v
    cross = [e[i, 0] * (py - v[i, 1]) - e[i, 1] * (px - v[i, 0]) for i in range(len(v))]
    return np.all(np.stack(cross) >= 0, axis=0)   # vertices run clockwise on screen (y down)


def rasterize(shape: _Shape, h: int, w: int) -> np.ndarray:
    """Full-image boolean mask (H x W) of the pixels whose centres lie in the shape."""
    full = np.zeros((h, w), dtype=bool)
    x0, y0, x1, y1 = _window(shape, h, w)
    ys, xs = np.mgrid[y0:y1, x0:x1]
    full[y0:y1, x0:x1] = _inside(shape, xs + 0.5, ys + 0.5)
    return full


def _tight_box(pixels: np.ndarray) -> tuple[int, int, int, int]:
    """Half-open (x1, y1, x2, y2) box of the True pixels of a non-empty mask."""
    rows, cols = np.flatnonzero(pixels.any(axis=1)), np.flatnonzero(pixels.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _sample_shape(rng: np.random.Generator, c: ShapesConfig, inside: bool,
                  name: str | None) -> _Shape:
    """Random shape; ``inside`` keeps it whole in the image, else up to half the radius may leave."""
    name = name or SHAPE_NAMES[int(rng.integers(len(SHAPE_NAMES)))]
    side = min(c.height, c.width)
    r = float(rng.uniform(c.min_size, c.max_size)) * side
    margin = r if inside else r / 2
    cx = float(rng.uniform(margin, c.width - margin))
    cy = float(rng.uniform(margin, c.height - margin))
    upright = {"square": math.pi / 4, "triangle": -math.pi / 2}.get(name, 0.0)
    angle = upright + math.radians(float(rng.uniform(-c.max_rotation, c.max_rotation)))
    return _Shape(name, cx, cy, r, angle)


def _colour(rng: np.random.Generator, background: np.ndarray, min_contrast: float) -> np.ndarray:
    """A random RGB colour at least ``min_contrast`` away from the background colour."""
    for _ in range(100):
        colour = rng.integers(0, 256, size=3).astype(np.float64)
        if np.linalg.norm(colour - background) >= min_contrast:
            return colour
    return 255.0 - background


def _fits(instances: np.ndarray, full: np.ndarray, areas: list[int], max_hidden: float) -> bool:
    """Would painting ``full`` over ``instances`` keep every earlier object visible enough?"""
    after = np.where(full, 0, instances)
    visible = np.bincount(after.ravel(), minlength=len(areas) + 1)[1:]
    return all(v >= (1 - max_hidden) * a for v, a in zip(visible, areas)) and bool(full.any())


def _place(rng, c: ShapesConfig, instances, areas, inside: bool, name: str | None):
    """Sample placements until one fits; returns (shape, full mask) or None."""
    for _ in range(_PLACEMENT_TRIES):
        shape = _sample_shape(rng, c, inside, name)
        full = rasterize(shape, c.height, c.width)
        if _fits(instances, full, areas, c.max_hidden):
            return shape, full
    return None


def _annotation(shape: _Shape, full: np.ndarray, c: ShapesConfig) -> Annotation:
    """The object's record: its full (not just visible) tight box, quoted to the image."""
    out = (shape.cx - shape.r < 0 or shape.cy - shape.r < 0 or
           shape.cx + shape.r > c.width or shape.cy + shape.r > c.height)
    truncated = out and bool(full[0].any() or full[-1].any() or full[:, 0].any() or full[:, -1].any())
    return Annotation(shape.name, CLASS_NAMES.index(shape.name), _tight_box(full), truncated=truncated)


def boundary_band(instances: np.ndarray, width: int) -> np.ndarray:
    """Boolean H x W: pixels within ``width`` (Chebyshev distance) of a different instance id."""
    band = np.zeros(instances.shape, dtype=bool)
    padded = np.pad(instances, width, mode="edge")
    h, w = instances.shape
    for dy in range(2 * width + 1):
        for dx in range(2 * width + 1):
            band |= padded[dy:dy + h, dx:dx + w] != instances
    return band


def _draw(rng: np.random.Generator, c: ShapesConfig, count: int, inside: bool,
          name: str | None = None) -> Scene:
    """Compose a scene of up to ``count`` objects; see the module docstring."""
    background = rng.integers(0, 256, size=3).astype(np.float64)
    canvas = np.broadcast_to(background, (c.height, c.width, 3)).copy()
    instances = np.zeros((c.height, c.width), dtype=np.uint8)
    objects, areas = [], []
    for _ in range(count):
        placed = _place(rng, c, instances, areas, inside, name)
        if placed is None:
            continue
        shape, full = placed
        canvas[full] = _colour(rng, background, c.min_contrast)
        instances[full] = len(objects) + 1
        objects.append(_annotation(shape, full, c))
        areas.append(int(full.sum()))
    noise = rng.normal(0.0, c.noise_std, size=canvas.shape) if c.noise_std else 0.0
    image = np.clip(np.rint(canvas + noise), 0, 255).astype(np.uint8)
    return Scene(image, _class_mask(instances, objects, c.boundary), tuple(objects), instances)


def _class_mask(instances: np.ndarray, objects: Sequence[Annotation], boundary: int) -> np.ndarray:
    """Instance ids -> class ids, with the optional 255 band along every object edge."""
    lut = np.array([0] + [o.label for o in objects], dtype=np.uint8)
    mask = lut[instances]
    if boundary:
        mask[boundary_band(instances, boundary)] = IGNORE_LABEL
    return mask


def make_scene(seed: int, index: int = 0, config: ShapesConfig = ShapesConfig()) -> Scene:
    """Scene ``index`` of the world ``seed``: several, possibly overlapping, objects."""
    rng = np.random.default_rng([seed, index])
    count = int(rng.integers(config.min_objects, config.max_objects + 1))
    return _draw(rng, config, count, inside=False)


def make_classification(seed: int, index: int = 0, config: ShapesConfig = CLASSIFICATION_CONFIG,
                        shape: str | None = None) -> tuple[np.ndarray, int]:
    """One whole object per image: ``(image uint8 HxWx3, target 0..2)``, target = class id - 1.

    ``shape`` forces the class (by name); otherwise it is drawn uniformly.
    """
    if shape is not None and shape not in SHAPE_NAMES:
        raise DataError(f"unknown shape {shape!r}; choose one of {', '.join(SHAPE_NAMES)}")
    rng = np.random.default_rng([seed, index, 1])
    scene = _draw(rng, replace(config, max_hidden=1.0), 1, inside=True, name=shape)
    return scene.image, scene.objects[0].label - 1


class ShapeScenes(Sequence[Scene]):
    """``n`` lazily generated scenes of world ``seed`` (a Sequence of ``Scene``)."""

    classes = CLASS_NAMES

    def __init__(self, n: int, seed: int = 0, config: ShapesConfig = ShapesConfig()):
        self.n, self.seed, self.config = n, seed, config

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> Scene:  # type: ignore[override]
        return make_scene(self.seed, _index(i, self.n), self.config)


class ShapeClassification(Sequence[tuple[np.ndarray, int]]):
    """``n`` lazily generated ``(image, target)`` pairs; targets index ``SHAPE_NAMES``."""

    classes = SHAPE_NAMES

    def __init__(self, n: int, seed: int = 0, config: ShapesConfig = CLASSIFICATION_CONFIG):
        self.n, self.seed, self.config = n, seed, config

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:  # type: ignore[override]
        return make_classification(self.seed, _index(i, self.n), self.config)


def _index(i: int, n: int) -> int:
    """Normalise a Sequence index (negatives count from the end); IndexError when out of range."""
    if not -n <= i < n:
        raise IndexError(f"index {i} out of range for {n} items")
    return i % n

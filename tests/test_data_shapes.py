"""The shapes world: determinism, masks agree with boxes, classes look different."""
from __future__ import annotations

import hashlib
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from archlens.data import (CLASS_NAMES, CLASSIFICATION_CONFIG, SHAPE_NAMES, ShapeClassification, ShapeScenes, ShapesConfig,
                           make_classification, make_scene)
from archlens.errors import DataError


def digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        h.update(a.tobytes())
    return h.hexdigest()


def oracle_box(pixels: np.ndarray) -> tuple[int, int, int, int]:
    """Half-open box of True pixels, computed from scratch with np.nonzero."""
    rows, cols = np.nonzero(pixels)
    return cols.min(), rows.min(), cols.max() + 1, rows.max() + 1


def test_same_seed_same_bytes_and_different_seed_differs():
    a, b, c = make_scene(7, 3), make_scene(7, 3), make_scene(8, 3)
    assert digest(a.image, a.mask, a.instances) == digest(b.image, b.mask, b.instances)
    assert a.objects == b.objects
    assert digest(a.image) != digest(c.image)
    assert digest(a.image) != digest(make_scene(7, 4).image)


def test_scenes_are_random_access():
    scenes = ShapeScenes(5, seed=3)
    backwards = [scenes[i] for i in reversed(range(5))][::-1]
    assert [digest(s.image) for s in backwards] == [digest(make_scene(3, i).image) for i in range(5)]
    assert digest(scenes[-1].image) == digest(scenes[4].image)
    with pytest.raises(IndexError):
        scenes[5]


def test_classification_is_deterministic():
    a, b = make_classification(1, 9), make_classification(1, 9)
    assert digest(a[0]) == digest(b[0]) and a[1] == b[1]
    assert digest(make_classification(2, 9)[0]) != digest(a[0])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), index=st.integers(0, 10**6),
       h=st.integers(20, 80), w=st.integers(20, 80), boundary=st.sampled_from([0, 1, 2]))
def test_scene_invariants(seed, index, h, w, boundary):
    config = ShapesConfig(height=h, width=w, min_objects=1, max_objects=5, boundary=boundary)
    scene = make_scene(seed, index, config)
    assert scene.image.shape == (h, w, 3) and scene.image.dtype == np.uint8
    assert scene.mask.shape == (h, w) and scene.mask.dtype == np.uint8
    assert 1 <= len(scene.objects) <= 5
    lut = np.array([0] + [o.label for o in scene.objects])
    known = scene.mask != 255
    assert np.array_equal(scene.mask[known], lut[scene.instances][known])
    assert (scene.mask == 255).any() == (boundary > 0 and (scene.instances > 0).any())
    for k, obj in enumerate(scene.objects, start=1):
        assert CLASS_NAMES[obj.label] == obj.name
        x1, y1, x2, y2 = obj.box
        assert 0 <= x1 < x2 <= w and 0 <= y1 < y2 <= h
        visible = scene.instances == k
        assert visible.any(), "every listed object keeps some visible pixels"
        vx1, vy1, vx2, vy2 = oracle_box(visible)
        assert x1 <= vx1 and y1 <= vy1 and vx2 <= x2 and vy2 <= y2


def test_unoccluded_boxes_are_tight_boxes_of_the_mask():
    config = ShapesConfig(height=50, width=70, min_objects=2, max_objects=4, max_hidden=0.0)
    for i in range(20):
        scene = make_scene(11, i, config)
        for k, obj in enumerate(scene.objects, start=1):
            assert obj.box == oracle_box(scene.instances == k)


def test_occlusion_happens_and_respects_max_hidden():
    """Some boxes exceed their visible pixels (occluded, full box kept); circles keep >= half."""
    config = ShapesConfig(min_objects=4, max_objects=6, max_hidden=0.5, max_size=0.4)
    occluded = 0
    for i in range(20):
        scene = make_scene(5, i, config)
        for k, obj in enumerate(scene.objects, start=1):
            visible = scene.instances == k
            occluded += oracle_box(visible) != obj.box
            x1, y1, x2, y2 = obj.box
            if obj.name == "circle" and not obj.truncated:
                full_area = np.pi / 4 * (x2 - x1) * (y2 - y1)
                assert visible.sum() >= 0.5 * full_area * 0.9
    assert occluded > 0, "scenes with several large objects should overlap sometimes"


def test_truncated_objects_touch_the_border():
    config = ShapesConfig(min_objects=4, max_objects=4)
    flags = []
    for i in range(30):
        for obj in make_scene(2, i, config).objects:
            flags.append(obj.truncated)
            if obj.truncated:
                x1, y1, x2, y2 = obj.box
                assert x1 == 0 or y1 == 0 or x2 == 64 or y2 == 64
    assert any(flags) and not all(flags)


@pytest.mark.parametrize("shape, low, high", [("circle", 0.70, 0.86), ("square", 0.5, 1.0),
                                              ("triangle", 0.35, 0.62)])
def test_classes_have_their_shapes(shape, low, high):
    """Fill ratio of the tight box is an independent fingerprint of each class."""
    config = replace(CLASSIFICATION_CONFIG, height=96, width=96)
    for i in range(10):
        image, target = make_classification(4, i, config, shape)
        assert SHAPE_NAMES[target] == shape
        corner = image[0, 0].astype(float)
        obj = np.abs(image.astype(float) - corner).sum(axis=2) > 100
        x1, y1, x2, y2 = oracle_box(obj)
        assert low <= obj.sum() / ((x2 - x1) * (y2 - y1)) <= high


def test_classification_targets_cover_all_classes():
    targets = [t for _, t in ShapeClassification(90, seed=0)]
    counts = np.bincount(targets, minlength=3)
    assert counts.sum() == 90 and counts.min() >= 15


@pytest.mark.parametrize("kwargs", [dict(height=4), dict(min_objects=3, max_objects=2),
                                    dict(max_size=0.6), dict(noise_std=-1), dict(boundary=-1)])
def test_bad_config_is_a_one_line_data_error(kwargs):
    with pytest.raises(DataError, match="ShapesConfig") as err:
        ShapesConfig(**kwargs)
    assert "\n" not in str(err.value)


def test_unknown_forced_shape():
    with pytest.raises(DataError, match="hexagon"):
        make_classification(0, 0, shape="hexagon")

"""Synthetic datasets and loaders for real formats (numpy + Pillow; torch only in ``datasets``).

Boxes everywhere are ``(x1, y1, x2, y2)``, 0-based, half-open pixel edges (``records.py``);
Pascal VOC XML's 1-based inclusive boxes are converted on read and write.
"""
from archlens.data.folders import ImageFolder, scan_image_folder, write_shape_folders
from archlens.data.records import IGNORE_LABEL, Annotation, Scene
from archlens.data.regression import RegressionSet, make_regression
from archlens.data.shapes import (CLASS_NAMES, CLASSIFICATION_CONFIG, SHAPE_NAMES, ShapeClassification,
                                  ShapeScenes, ShapesConfig, make_classification, make_scene)
from archlens.data.voc import VOC_CLASSES, VocSplit, read_voc, voc_palette, write_shapes_voc, write_voc

__all__ = [
    "Annotation", "CLASS_NAMES", "CLASSIFICATION_CONFIG", "IGNORE_LABEL", "ImageFolder",
    "RegressionSet", "SHAPE_NAMES", "Scene", "ShapeClassification", "ShapeScenes", "ShapesConfig",
    "VOC_CLASSES", "VocSplit", "make_classification", "make_regression", "make_scene",
    "read_voc", "scan_image_folder", "voc_palette", "write_shape_folders", "write_shapes_voc",
    "write_voc",
]

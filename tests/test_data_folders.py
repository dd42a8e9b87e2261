"""Class-per-folder trees: round trip of the shapes set, and bad trees give DataErrors."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from archlens.data import ImageFolder, make_classification, scan_image_folder, write_shape_folders
from archlens.data.shapes import CLASSIFICATION_CONFIG
from archlens.errors import DataError


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Path:
    return write_shape_folders(tmp_path_factory.mktemp("folders") / "shapes", 4, seed=2)


def test_layout(tree):
    assert sorted(p.name for p in tree.iterdir() if p.is_dir()) == ["circle", "square", "triangle"]
    assert sorted(p.name for p in (tree / "square").iterdir()) == [f"{k:06d}.png" for k in range(4)]


def test_round_trip_is_exact(tree):
    folder = ImageFolder(tree)
    assert folder.classes == ("circle", "square", "triangle") and len(folder) == 12
    for i, (image, target) in enumerate(folder):
        c, k = divmod(i, 4)
        want, want_target = make_classification(2, c * 4 + k, CLASSIFICATION_CONFIG, folder.classes[c])
        assert target == c == want_target
        assert np.array_equal(image, want)


def test_other_files_and_hidden_entries_are_ignored(tmp_path):
    (tmp_path / "cat").mkdir()
    (tmp_path / ".cache").mkdir()
    Image.new("RGB", (5, 4), (1, 2, 3)).save(tmp_path / "cat" / "a.JPG")
    (tmp_path / "cat" / "notes.txt").write_text("hi")
    (tmp_path / "cat" / ".b.png").write_bytes(b"junk")
    classes, samples = scan_image_folder(tmp_path)
    assert classes == ("cat",) and [(p.name, t) for p, t in samples] == [("a.JPG", 0)]
    assert ImageFolder(tmp_path)[0][0].shape == (4, 5, 3)


def one_line(fn, path) -> str:
    with pytest.raises(DataError) as err:
        fn()
    message = str(err.value)
    assert "\n" not in message and str(path) in message, message
    return message


def test_missing_root(tmp_path):
    message = one_line(lambda: ImageFolder(tmp_path / "nope"), tmp_path / "nope")
    assert "not found" in message and "check the path" in message


def test_no_class_folders(tmp_path):
    (tmp_path / "loose.png").write_bytes(b"")
    assert "<class_name>" in one_line(lambda: ImageFolder(tmp_path), tmp_path)


def test_empty_class_folder(tmp_path):
    (tmp_path / "dog").mkdir()
    message = one_line(lambda: ImageFolder(tmp_path), tmp_path / "dog")
    assert "class folder has no images" in message


def test_file_that_is_not_an_image(tmp_path):
    (tmp_path / "dog").mkdir()
    bad = tmp_path / "dog" / "x.png"
    bad.write_text("not a png")
    assert "not a readable image" in one_line(lambda: ImageFolder(tmp_path)[0], bad)


def test_truncated_image(tmp_path):
    (tmp_path / "dog").mkdir()
    path = tmp_path / "dog" / "x.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)).save(path)
    path.write_bytes(path.read_bytes()[:300])
    assert "not a readable image" in one_line(lambda: ImageFolder(tmp_path)[0], path)


def test_refuses_to_overwrite_unless_asked(tree):
    with pytest.raises(DataError, match="already exists"):
        write_shape_folders(tree, 1)

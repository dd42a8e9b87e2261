"""Commands never write onto their input, replace an existing file only with --force, write
every file atomically, and `site --docs` touches only files it wrote (issue 13, item 6).
(``train --out`` into a user's folder: test_safety_run_folder.py.)"""
import os
import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from archlens.files import OutputError, write_atomically
from archlens.spec.load import SPECS_DIR


def _refused(code, err, *words):
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err


@pytest.fixture
def classifier(tmp_path):
    path = tmp_path / "vgg.yaml"
    shutil.copy(SPECS_DIR / "vgg11.yaml", path)
    return path


def test_convolutionalize_never_replaces_its_own_input(classifier, cli, tmp_path):
    before = classifier.read_bytes()
    os.symlink(classifier, tmp_path / "link.yaml")
    (tmp_path / "sub").mkdir()
    for target in (classifier, tmp_path / "sub" / ".." / "vgg.yaml", tmp_path / "link.yaml"):
        for force in ((), ("--force",)):
            code, _, err = cli("convolutionalize", classifier, "--out-spec", target, *force)
            _refused(code, err, "input")
            assert classifier.read_bytes() == before


def test_convolutionalize_weights_never_replace_an_input_or_the_other_output(classifier, cli, tmp_path):
    weights = tmp_path / "w.pt"
    torch.save({"fc6.weight": torch.zeros(2, 2)}, weights)
    before = weights.read_bytes()
    code, _, err = cli("convolutionalize", classifier, "--weights", weights, "--out-weights",
                       weights, "--force")
    _refused(code, err, "input")
    assert weights.read_bytes() == before
    code, _, err = cli("convolutionalize", classifier, "--weights", weights, "--out-spec",
                       tmp_path / "o.yaml", "--out-weights", tmp_path / "o.yaml")
    _refused(code, err, "--out-weights")
    assert not (tmp_path / "o.yaml").exists()


def test_convolutionalize_replaces_an_existing_file_only_with_force(classifier, cli, tmp_path):
    out = tmp_path / "mine.yaml"
    out.write_text("my notes\n")
    code, _, err = cli("convolutionalize", classifier, "--out-spec", out)
    _refused(code, err, "mine.yaml", "--force")
    assert out.read_text() == "my notes\n"
    code, _, err = cli("convolutionalize", classifier, "--out-spec", out, "--force")
    assert code == 0, err
    assert "vgg11_fully_conv" in out.read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.yaml", "vgg.yaml"]   # no temp left


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "photo.jpg"
    Image.fromarray(np.full((40, 60, 3), 200, dtype=np.uint8)).save(path, quality=90)
    return path


def test_detect_never_writes_onto_the_photo(photo, cli, tmp_path):
    before = photo.read_bytes()
    for force in ((), ("--force",)):
        code, out, err = cli("detect", "sppnet_zf5", photo, "--out", photo, *force)
        _refused(code, err, "photo.jpg", "input")
        assert out == "" and photo.read_bytes() == before
    other = tmp_path / "boxes.png"
    other.write_bytes(b"my earlier drawing")
    code, out, err = cli("detect", "sppnet_zf5", photo, "--out", other)
    _refused(code, err, "boxes.png", "--force")
    assert other.read_bytes() == b"my earlier drawing"


def test_the_drawing_is_written_atomically(photo, tmp_path, monkeypatch):
    from archlens.detection.detect import draw
    from archlens.detection.head import Detections
    out = tmp_path / "boxes.png"
    out.write_bytes(b"old drawing")
    none = Detections(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.long), 0)

    def killed(self, fp, *args, **kw):   # a kill half-way through the PNG
        fp.write(b"\x89PNG half")
        raise KeyboardInterrupt
    monkeypatch.setattr(Image.Image, "save", killed)
    with pytest.raises(KeyboardInterrupt):
        draw(photo, none, out)
    assert out.read_bytes() == b"old drawing"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["boxes.png", "photo.jpg"]
    monkeypatch.undo()
    draw(photo, none, out)
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_write_atomically_keeps_the_old_file_when_a_write_fails(tmp_path):
    path = tmp_path / "f.txt"
    path.write_text("old")

    def half(f):
        f.write(b"ne")
        raise OSError("disk full")
    with pytest.raises(OutputError, match=r"f\.txt: cannot write the file \(disk full\)$"):
        write_atomically(path, half)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_worksheet_template_never_replaces_the_spec(classifier, cli):
    before = classifier.read_bytes()
    code, _, err = cli("worksheet", classifier, "--template", classifier, "--force")
    _refused(code, err, "input")
    assert classifier.read_bytes() == before


SPEC = """name: tiny
task: regression
input: [4]
layers:
  - {name: fc, kind: linear, out_features: 1}
"""


def _site(cli, tmp_path, *extra):
    spec = tmp_path / "tiny.yaml"
    spec.write_text(SPEC)
    return cli("site", spec, "--docs", tmp_path / "docs", "--no-train", "--no-crosscheck",
               "--cache", tmp_path / "cache", *extra)


@pytest.mark.parametrize("mine", ["index.md", "generated/notes.md", "generated/models/tiny.md"])
def test_site_refuses_to_replace_or_delete_files_it_did_not_write(cli, tmp_path, mine):
    path = tmp_path / "docs" / mine
    path.parent.mkdir(parents=True)
    path.write_text("# my page\n")
    code, _, err = _site(cli, tmp_path)
    _refused(code, err, mine, "--force")
    assert path.read_text() == "# my page\n"
    assert sorted(p.relative_to(tmp_path / "docs").as_posix()
                  for p in (tmp_path / "docs").rglob("*") if p.is_file()) == [mine]


@pytest.mark.slow   # generates the site (concept figures included) into a temporary folder
def test_site_replaces_its_own_files_and_asks_for_force_for_the_users(cli, tmp_path):
    docs = tmp_path / "docs"
    (docs / "generated").mkdir(parents=True)
    (docs / "index.md").write_text("# mine\n")
    (docs / "generated" / "old.md").write_text("mine too\n")
    (docs / "about.md").write_text("never touched\n")
    code, _, err = _site(cli, tmp_path)
    _refused(code, err, "index.md", "generated/old.md")
    code, _, err = _site(cli, tmp_path, "--force")          # the user said so
    assert code == 0, err
    assert "# mine" not in (docs / "index.md").read_text() and not (docs / "generated/old.md").exists()
    assert (docs / "about.md").read_text() == "never touched\n"
    assert (docs / ".archlens-site.json").is_file()
    code, _, err = _site(cli, tmp_path)                     # its own files: no --force needed
    assert code == 0, err
    page = docs / "generated" / "models" / "tiny.md"
    page.write_text(page.read_text() + "my edit\n")
    code, _, err = _site(cli, tmp_path)
    _refused(code, err, "generated/models/tiny.md")
    assert page.read_text().endswith("my edit\n")

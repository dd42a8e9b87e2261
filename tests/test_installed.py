"""archlens as a user installs it: the wheel, in a new virtual environment, run from a folder
that has nothing to do with the checkout (issue 14). Oracles: the bundled spec files the wheel
must carry, the layer count VGG-16's Table 1 gives, and the files each command must write."""
from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = sorted(p.stem for p in (ROOT / "archlens" / "specs").glob("*.yaml"))
pytestmark = [pytest.mark.slow, pytest.mark.spread]


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(bin folder, wheel): the wheel built from this checkout, installed without dependencies
    into a new venv that reads the project venv's packages through a .pth line (a plain path
    line: the checkout's editable-install hook in that folder is not run)."""
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "-q", "-w", str(tmp)], check=True)
    wheel = next(tmp.glob("archlens-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(subprocess.check_output([str(venv / "bin" / "python"), "-c",
                                         "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                        text=True).strip())
    (site / "project_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                    "install", "--no-deps", "--no-index", "-q", str(wheel)], check=True)
    return venv / "bin", wheel


def _run(bin_dir: Path, cwd: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH",)}
    env["NO_MKDOCS_2_WARNING"] = "1"
    proc = subprocess.run([str(bin_dir / args[0]), *args[1:]], cwd=cwd, capture_output=True,
                          text=True, env=env)
    if ok:
        assert proc.returncode == 0, (args, proc.stderr[-2000:])
    return proc


def test_the_wheel_carries_every_spec_recorded_run_asset_and_licence(installed):
    _, wheel = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {f"archlens/specs/{n}.yaml" for n in BUNDLED} <= names
    assert len(BUNDLED) == 15
    for needed in ("archlens/site/mkdocs_base.yml", "archlens/site/assets/katex/LICENSE",
                   "archlens/site/assets/katex/katex.min.js",
                   "archlens/site/assets/javascripts/iframe-worker-shim.LICENSE",
                   "archlens/specs/recorded/vgg16/metrics.json",
                   "archlens/render/templates/worksheet.html.j2"):
        assert needed in names, needed
    meta = next(n for n in names if n.endswith(".dist-info/METADATA"))
    metadata = zipfile.ZipFile(wheel).read(meta).decode()
    assert "License: MIT" in metadata or "License-Expression: MIT" in metadata
    entry = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("entry_points.txt")))
    assert b"archlens = archlens.site.plugin:ArchlensPlugin" in entry


def test_installed_commands_work_from_any_folder(installed, tmp_path):
    bin_dir, _ = installed
    where = _run(bin_dir, tmp_path, "python", "-c", "import archlens; print(archlens.__file__)")
    assert str(bin_dir.parent) in where.stdout          # the wheel's copy, not the checkout
    listed = _run(bin_dir, tmp_path, "archlens", "list").stdout
    assert all(name in listed for name in BUNDLED)
    profile = _run(bin_dir, tmp_path, "archlens", "profile", "vgg16").stdout
    assert "138,357,544" in profile                     # Simonyan & Zisserman, Table 2
    _run(bin_dir, tmp_path, "archlens", "verify", "mlp")
    _run(bin_dir, tmp_path, "archlens", "worksheet", "mlp", "--template", "answers.yaml")
    assert (tmp_path / "answers.yaml").is_file()
    (tmp_path / "wrong.yaml").write_text("layers:\n  fc1:\n    params: 5\n")
    checked = _run(bin_dir, tmp_path, "archlens", "check", "mlp", "wrong.yaml", ok=False)
    # fc1 is 3072 -> 256: 3072 x 256 weights + 256 biases
    assert checked.returncode == 1 and "786,688" in checked.stdout and not checked.stderr
    _run(bin_dir, tmp_path, "archlens", "train", "linear_regression", "--quick", "--out", "run")
    assert (tmp_path / "run" / "metrics.json").is_file()
    _run(bin_dir, tmp_path, "archlens", "convolutionalize", "vgg11", "--out-spec", "fcn.yaml")
    assert "conv" in (tmp_path / "fcn.yaml").read_text()


def test_a_users_spec_reuses_the_bundled_backbone(installed, tmp_path):
    bin_dir, _ = installed
    (tmp_path / "mine.yaml").write_text(
        "name: mine\ninput: [3, 224, 224]\nnum_classes: 10\n"
        "backbone: {spec: vgg16, until: pool5}\nlayers:\n"
        "  - {name: gap, kind: adaptive_avgpool, output_size: 1}\n"
        "  - {name: flat, kind: flatten}\n  - {name: head, kind: linear, out_features: 10}\n")
    out = _run(bin_dir, tmp_path, "archlens", "profile", "mine.yaml").stdout
    # VGG-16's 13 conv layers (14,714,688 parameters) and a 512 -> 10 head (5,130)
    assert "14,719,818" in out


def test_a_site_for_a_users_folder_of_specs(installed, tmp_path):
    bin_dir, _ = installed
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "tiny.yaml").write_text(
        "name: tiny\ntask: regression\ninput: [4]\nlayers:\n  - {name: fc, kind: linear, out_features: 1}\n")
    _run(bin_dir, tmp_path, "archlens", "site", "models", "--out", "site", "--no-train",
         "--cache", "cache")
    site = tmp_path / "site"
    assert (site / "index.html").is_file() and (site / "generated/models/tiny.html").is_file()
    assert (site / "generated/assets/katex/katex.min.js").is_file()
    assert "tiny" in (site / "generated/models/index.html").read_text()
    # a broken spec: one line, exit 2, and the previous site is kept as it was
    before = sorted(p.relative_to(site) for p in site.rglob("*"))
    (tmp_path / "models" / "broken.yaml").write_text(
        "name: broken\ninput: [4]\nlayers:\n  - {name: fc, kind: linaer, out_features: 1}\n")
    proc = _run(bin_dir, tmp_path, "archlens", "site", "models", "--out", "site", "--no-train",
                "--cache", "cache", ok=False)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "broken.yaml" in proc.stderr
    assert "linaer" in proc.stderr
    assert sorted(p.relative_to(site) for p in site.rglob("*")) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.")]   # no leftovers


def test_the_mkdocs_plugin_adds_model_pages_to_a_course_site(installed, tmp_path):
    bin_dir, _ = installed
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# My course\n")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "tiny.yaml").write_text(
        "name: tiny\ntask: regression\ninput: [4]\nlayers:\n  - {name: fc, kind: linear, out_features: 1}\n")
    (tmp_path / "mkdocs.yml").write_text(
        "site_name: Course\ntheme: {name: material}\nnav:\n  - Home: index.md\n"
        "plugins:\n  - search\n  - archlens:\n      specs: [models/]\n      crosscheck: false\n")
    _run(bin_dir, tmp_path, "python", "-m", "mkdocs", "build", "--strict")
    page = tmp_path / "site" / "generated" / "models" / "tiny" / "index.html"
    assert page.is_file()
    home = (tmp_path / "site" / "index.html").read_text()
    assert "generated/models/tiny/" in home             # in the course's nav
    assert sorted(p.name for p in (tmp_path / "docs").iterdir()) == ["index.md"]   # theirs only

"""`archlens site SPEC_OR_FOLDER... --out DIR`: which specs it takes, and which folders it may
replace (the full build from a wheel is in test_installed.py)."""
from __future__ import annotations

import pytest

from archlens.files import OutputError
from archlens.site import outputs
from archlens.site.standalone import check_target, spec_refs
from archlens.spec.load import bundled_specs

TINY = "name: {}\ntask: regression\ninput: [4]\nlayers:\n  - {{name: fc, kind: linear, out_features: 1}}\n"


def test_a_folder_means_its_spec_files_sorted_and_names_stay_names(tmp_path):
    (tmp_path / "models").mkdir()
    for name in ("b", "a"):
        (tmp_path / "models" / f"{name}.yaml").write_text(TINY.format(name))
    (tmp_path / "models" / "notes.txt").write_text("not a spec")
    refs = spec_refs(["models", "vgg16"], base=tmp_path)
    assert refs == [str(tmp_path / "models" / "a.yaml"), str(tmp_path / "models" / "b.yaml"), "vgg16"]
    assert spec_refs([], with_bundled=True) == bundled_specs()


def test_a_folder_without_specs_is_refused(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(OutputError, match="no spec files"):
        spec_refs(["empty"], base=tmp_path)


def test_out_may_be_new_empty_or_an_unchanged_site_it_built(tmp_path):
    check_target(tmp_path / "new", force=False)
    (tmp_path / "empty").mkdir()
    check_target(tmp_path / "empty", force=False)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html></html>")
    outputs.record(site, [site / "index.html"])
    check_target(site, force=False)


def test_out_refuses_a_file_and_a_folder_holding_the_users_files(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        check_target(tmp_path / "file", force=True)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html></html>")
    outputs.record(site, [site / "index.html"])
    (site / "index.html").write_text("<html>edited</html>")      # edited since the build
    (site / "notes.md").write_text("mine")                        # and not ours at all
    with pytest.raises(OutputError, match=r"index\.html, notes\.md"):
        check_target(site, force=False)
    check_target(site, force=True)

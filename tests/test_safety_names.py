"""A spec's ``name:`` is an identifier: it never chooses a path outside ``runs/``, and the site's
own page names are reserved (issue 13, item 3)."""
import pytest
import yaml

from archlens.spec.names import folder_for, is_spec_name
from archlens.spec.load import bundled_specs, load_spec

LAYERS = [{"name": "fc", "kind": "linear", "out_features": 1}]
TRAIN = {"quick": {"epochs": 1, "batch_size": 8, "data": {"n_train": 16, "n_val": 8}}}


def _spec(folder, name, file="spec.yaml", **extra):
    doc = {"task": "regression", "input": [1], "layers": LAYERS, **extra}
    if name is not ...:
        doc = {"name": name, **doc}
    path = folder / file
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


HOSTILE = ["../../../escaped_run", "/tmp/archlens_absolute_run", "", ".", "..", ".hidden",
           "a/b", "a\\b", "[clickme](javascript:alert(document.domain))", "x" * 101, "tab\tname",
           "new\nline", None, ["a"], {"a": 1}, True]


@pytest.mark.parametrize("name", HOSTILE, ids=repr)
def test_a_name_that_is_not_an_identifier_is_refused_at_load(tmp_path, cli, name):
    path = _spec(tmp_path, name)
    code, out, err = cli("profile", path)
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    assert "spec.yaml" in err and "is not a spec name" in err


def test_train_never_writes_outside_runs(tmp_path, cli, monkeypatch):
    cwd = tmp_path / "a" / "b" / "c"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    path = _spec(tmp_path, "../../../escaped_run", train=TRAIN)
    code, _, err = cli("train", path, "--quick", "--no-progress")
    assert code == 2 and "is not a spec name" in err
    assert not (tmp_path / "a" / "escaped_run").exists()
    assert not list(tmp_path.rglob("metrics.json"))


def test_train_writes_under_runs_slash_name(tmp_path, cli, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _spec(tmp_path, "line.v2-a", train=TRAIN)
    code, _, err = cli("train", path, "--quick", "--no-progress")
    assert code == 0, err
    assert (tmp_path / "runs" / "line.v2-a" / "metrics.json").is_file()


def test_folder_for_refuses_a_programmatic_name(tmp_path):
    from archlens.errors import SpecError
    with pytest.raises(SpecError, match="not a spec name"):
        folder_for(tmp_path, "../x")
    assert folder_for(tmp_path, "ok_1") == tmp_path / "ok_1"


def test_every_bundled_spec_name_passes():
    for ref in bundled_specs():
        assert is_spec_name(load_spec(ref).name), ref


def test_a_name_from_an_odd_file_name_is_made_into_an_identifier(tmp_path):
    spec = load_spec(_spec(tmp_path, ..., file="my spec (v2).yaml"))
    assert spec.name == "my_spec_v2_" and is_spec_name(spec.name)
    assert load_spec(_spec(tmp_path, ..., file="..yaml")).name == "spec"
    assert load_spec(_spec(tmp_path, 2024)).name == "2024"


@pytest.mark.parametrize("name", ["index", "Index", "figures"])
def test_site_refuses_a_spec_named_like_its_own_pages(tmp_path, cli, name):
    docs = tmp_path / "docs"
    path = _spec(tmp_path, name)
    code, _, err = cli("site", path, "--docs", docs, "--no-train", "--no-crosscheck",
                       "--cache", tmp_path / "cache")
    assert code == 2 and err.count("\n") == 1, err
    assert "spec.yaml" in err and "reserved" in err
    assert not docs.exists() or not list(docs.rglob("*.md"))

"""``train --out``/``--force`` never delete or overwrite what a run did not write (issue 13,
items 2 and 6)."""
import json

import pytest

from archlens.train.runfolder import MARKER

RUN = ("train", "linear_regression", "--quick", "--epochs", "1", "--no-progress")


def _snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _refused(code, err, *words):
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    for word in words:
        assert word in err, err


@pytest.fixture
def previous(tmp_path, cli):
    code, _, err = cli(*RUN, "--out", tmp_path / "run")
    assert code == 0, err
    return tmp_path / "run"


def test_force_keeps_the_users_files_beside_a_run_and_refuses(previous, cli):
    (previous / "photo.jpg").write_bytes(b"\xff\xd8 my holiday")
    (previous / "notes").mkdir()
    (previous / "notes" / "todo.txt").write_text("buy milk")
    before = _snapshot(previous)
    code, _, err = cli(*RUN, "--out", previous, "--force")
    _refused(code, err, str(previous), "--force", "notes", "photo.jpg")
    assert _snapshot(previous) == before


def test_a_folder_of_the_users_own_config_json_is_not_a_run_to_remove(tmp_path, cli):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "config.json").write_text('{"theme": "dark"}\n')
    (folder / "metrics.json").write_text('[1, 2, 3]\n')
    before = _snapshot(folder)
    code, _, err = cli(*RUN, "--out", folder, "--force")
    _refused(code, err, str(folder), "--force")
    assert _snapshot(folder) == before


def test_force_replaces_a_run_and_its_leftovers(previous, cli):
    (previous / ".metrics.json.a1b2.tmp").write_text("half")     # an interrupted write
    (previous / "checkpoint.pt.tmp").write_bytes(b"half")
    old = json.loads((previous / "metrics.json").read_text())
    code, _, err = cli(*RUN, "--out", previous, "--force", "--set", "seed=7")
    assert code == 0, err
    names = sorted(p.name for p in previous.iterdir())
    assert names == sorted(["checkpoint.pt", "config.json", "metrics.json", "metrics.csv",
                            "curves.svg", "curves.png", MARKER])
    assert json.loads((previous / "metrics.json").read_text())["config"]["seed"] == 7 != \
        old["config"]["seed"]


def test_force_replaces_a_run_from_before_markers(previous, cli):
    (previous / MARKER).unlink()
    code, _, err = cli(*RUN, "--out", previous, "--force")
    assert code == 0, err
    assert (previous / MARKER).is_file()


def test_force_replaces_a_k_fold_run_but_not_a_foreign_file_in_a_fold(tmp_path, cli):
    out = tmp_path / "cv"
    code, _, err = cli(*RUN, "--folds", "2", "--out", out)
    assert code == 0, err
    assert (out / "fold-1" / MARKER).is_file() and (out / "fold-2" / "checkpoint.pt").is_file()
    (out / "fold-2" / "keep.txt").write_text("mine")
    before = _snapshot(out)
    code, _, err = cli(*RUN, "--folds", "2", "--out", out, "--force")
    _refused(code, err, "fold-2")
    assert _snapshot(out) == before
    (out / "fold-2" / "keep.txt").unlink()
    code, _, err = cli(*RUN, "--out", out, "--force")
    assert code == 0, err
    assert not (out / "fold-1").exists()


def test_train_never_writes_into_a_folder_that_is_not_a_run(tmp_path, cli):
    folder = tmp_path / "userdir"
    folder.mkdir()
    (folder / "metrics.csv").write_text("my,own,table\n")
    (folder / "curves.png").write_bytes(b"my plot")
    before = _snapshot(folder)
    for extra in ((), ("--force",)):
        code, _, err = cli(*RUN, "--out", folder, *extra)
        _refused(code, err, str(folder), "not an archlens run")
        assert _snapshot(folder) == before


def test_out_that_is_a_file_is_one_line(tmp_path, cli):
    target = tmp_path / "a_file"
    target.write_text("x")
    code, _, err = cli(*RUN, "--out", target)
    _refused(code, err, "not a folder")
    assert target.read_text() == "x"

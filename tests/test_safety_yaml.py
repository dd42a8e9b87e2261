"""YAML alias bombs and endless files are refused in one line before anything expands or reads
them whole (issue 13, item 4)."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from archlens.spec import yamlio
from archlens.errors import SpecError
MAX_INPUT_BYTES = 10 * 1024 * 1024   # the documented bound (archlens.files.MAX_INPUT_BYTES)

ROOT = Path(__file__).resolve().parent.parent
HEAD = ("name: bomb\ntask: regression\ninput: [4]\n"
        "layers:\n  - {name: fc, kind: linear, out_features: 1}\n")


def _levels(indent: str, levels: int = 9) -> str:
    """Nested aliases: level k repeats level k-1 ten times (10**levels strings expanded)."""
    names = "abcdefghijk"
    items = ["&a [" + ", ".join(['"lol"'] * 10) + "]"]
    items += [f"&{names[i]} [" + ", ".join([f"*{names[i - 1]}"] * 10) + "]" for i in range(1, levels)]
    return "".join(f"{indent}- {item}\n" for item in items)


SPEC_BOMB = HEAD + "notes:\n" + _levels("  ")                     # about 560 bytes
ANSWERS_BOMB = "layers:\n  fc:\n    out_shape:\n" + _levels("      ")
MERGE_BOMB = HEAD + "expected:\n  m0: &m0 {x: 1, y: 2}\n" + "".join(
    f"  m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}]}}\n" for i in range(1, 40))
RECURSIVE = HEAD + "notes: &loop [1, *loop]\n"
SET_BOMB = "seed=[&a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1], " + ", ".join(
    f"&{c} [" + ", ".join([f"*{p}"] * 10) + "]" for p, c in zip("abcdefg", "bcdefgh")) + "]"


@pytest.mark.parametrize("text", [SPEC_BOMB, ANSWERS_BOMB, MERGE_BOMB, RECURSIVE],
                         ids=["spec", "answers", "merge-keys", "recursive"])
@pytest.mark.parametrize("parse", [yamlio.parse, yamlio.parse_with_lines])
def test_the_loaders_refuse_alias_bombs(text, parse):
    assert len(text) < 3000
    with pytest.raises(SpecError, match=r"^bomb\.yaml: line \d+: .*(alias bomb|recursive alias)") as info:
        parse(text, "bomb.yaml")
    assert "\n" not in str(info.value)


def test_plain_aliases_and_a_10000_layer_spec_still_load(tmp_path):
    from archlens.spec.load import load_spec
    lines = [HEAD.replace("name: bomb", "name: deep").split("layers:")[0], "layers:"]
    lines.append("  - &lin {name: fc0, kind: linear, out_features: 4}")
    for i in range(1, 10_000):
        lines.append(f"  - {{<<: *lin, name: fc{i}}}" if i % 2 == 0 else f"  - {{name: r{i}, kind: relu}}")
    path = tmp_path / "deep.yaml"
    path.write_text("\n".join(lines) + "\n")
    spec = load_spec(path)
    assert len(spec.layers) == 10_000 and spec.layers[-2].args.out_features == 4


@pytest.mark.parametrize("text, walks", [
    ("a: [1, 2, {b: c}]\n", False), ("a: &s hello\nb: [*s, *s]\n", False),
    ("a: &m {x: 1}\nb: *m\nc: {<<: *m, y: 2}\n", True), ("- &a [x, x]\n- [*a, *a]\n", True)])
def test_the_guard_counts_a_document_alike_with_or_without_its_alias_walk(text, walks):
    """The plain count (no alias to a collection: nearly every spec) and the memoised walk
    through aliases agree wherever both apply; an alias to a collection takes the walk."""
    import yaml
    from archlens.spec import yamlguard
    node = yaml.compose(text, Loader=yamlio.UniqueKeyLoader)
    plain = yamlguard._tree_size(node)
    assert plain in (None, yamlguard._expanded_size(node))
    assert (plain is None) == walks
    assert yamlguard.expanded_size(node) == yamlguard._expanded_size(node)


def test_the_cycle_collector_pause_nests_and_restores():
    import gc
    from archlens.core.gcpause import no_cycle_collection
    assert gc.isenabled()
    with no_cycle_collection():
        with no_cycle_collection():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), no_cycle_collection():
        raise KeyError("x")
    assert gc.isenabled()


# Every command, in one child process whose address space is capped: were a bomb ever expanded
# again, the child would fail with MemoryError instead of taking the machine's memory.
_DRIVER = r"""
import contextlib, io, json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
from archlens.cli import main
results = []
for argv in json.loads(sys.argv[1]):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = main(argv)
        except BaseException as exc:
            code = repr(exc)[:200]
    results.append([code, err.getvalue()])
print(json.dumps(results))
"""


def test_every_command_refuses_the_bombs_in_one_line(tmp_path):
    spec, answers = tmp_path / "bomb.yaml", tmp_path / "answers.yaml"
    spec.write_text(SPEC_BOMB)
    answers.write_text(ANSWERS_BOMB)
    merge = tmp_path / "merge.yaml"
    merge.write_text(MERGE_BOMB)
    docs, cache = str(tmp_path / "docs"), str(tmp_path / "cache")
    commands = [["profile", str(spec)], ["verify", str(spec)], ["worksheet", str(spec)],
                ["check", str(spec), str(answers)], ["check", "mlp", str(answers)],
                ["site", str(spec), "--docs", docs, "--cache", cache, "--no-train", "--no-crosscheck"],
                ["profile", str(merge)], ["train", str(spec), "--quick", "--out", str(tmp_path / "r")],
                ["train", "linear_regression", "--quick", "--out", str(tmp_path / "r2"),
                 "--set", SET_BOMB]]
    run = subprocess.run([sys.executable, "-c", _DRIVER, json.dumps(commands)], cwd=tmp_path,
                         env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    for argv, (code, err) in zip(commands, json.loads(run.stdout)):
        assert code == 2, (argv, code, err)
        assert err.count("\n") == 1 and "Traceback" not in err, (argv, err)
        assert "alias" in err, (argv, err)
    assert not (tmp_path / "docs").exists() or not list((tmp_path / "docs").rglob("*.md"))


def test_a_spec_past_the_size_bound_is_refused(tmp_path, cli):
    path = tmp_path / "huge.yaml"
    path.write_text(HEAD + "# " + "x" * MAX_INPUT_BYTES + "\n")
    code, _, err = cli("profile", path)
    assert code == 2 and err.count("\n") == 1
    assert "huge.yaml" in err and "10 MB" in err


@pytest.mark.parametrize("suffix", [".csv", ".yaml"])
def test_an_answers_file_past_the_size_bound_is_refused(tmp_path, cli, suffix):
    path = tmp_path / f"answers{suffix}"
    row = "fc1,params,100\n" if suffix == ".csv" else "# padding\n"
    path.write_text(("layer,field,value\n" if suffix == ".csv" else "layers: {}\n")
                    + row * (MAX_INPUT_BYTES // len(row) + 1))
    code, _, err = cli("check", "mlp", path)
    assert code == 2 and err.count("\n") == 1 and "10 MB" in err and path.name in err


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
@pytest.mark.parametrize("command", [("check", "mlp", "/dev/zero"), ("profile", "/dev/zero")])
def test_an_endless_file_is_read_only_up_to_the_bound(cli, command):
    code, _, err = cli(*command)
    assert code == 2 and err.count("\n") == 1 and "/dev/zero" in err

"""Values that passed validation and failed later (or never), and small misleading messages
(issue 13, items 8 and 9). Hostile inputs are data here; every refusal is one line, exit 2."""
import pytest

from archlens.spec import yamlio

SPEC_HEAD = "name: values\ntask: regression\ninput: [1]\nlayers:\n  - {name: fc, kind: linear, out_features: 1}\n"


def refused(cli, *args) -> str:
    """The one-line message of a user error: exit 2, one line on stderr, no traceback."""
    code, _, err = cli(*args)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("archlens: "), err
    assert "Traceback" not in err
    return err.strip()


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- 8a: numbers written the YAML 1.2 / JSON way (1e-3, 5E4) are numbers -------------------------

@pytest.mark.parametrize("text, number", [("1e-3", 0.001), ("5E4", 50000.0), ("1.0e3", 1000.0),
                                          (".5e3", 500.0), ("-2e+2", -200.0), ("1.5e-3", 0.0015)])
def test_exponent_numbers_are_numbers(text, number):
    assert yamlio.parse(text, "--set x") == number
    assert yamlio.parse(f"lr: {text}", "spec.yaml") == {"lr": number}


@pytest.mark.parametrize("text", ["1e", "e3", "1e3x", "'1e-3'"])
def test_text_that_only_looks_like_an_exponent_stays_text(text):
    assert isinstance(yamlio.parse(text, "x"), str)


def test_set_and_spec_read_an_exponent_learning_rate_alike(tmp_path):
    from archlens.spec.load import load_spec
    from archlens.train.config import parse_overrides, recipe
    spec = load_spec(write(tmp_path, "values.yaml", SPEC_HEAD + "train:\n  full: {optimizer: {lr: 1e-3}}\n"))
    assert recipe(spec, "full").optimizer.lr == 0.001
    assert recipe(spec, "full", parse_overrides(["optimizer.lr=5E-4"])).optimizer.lr == 0.0005



def test_train_set_learning_rate_1e_3_is_accepted(cli, tmp_path):
    import json
    code, _, err = cli("train", "linear_regression", "--quick", "--epochs", "1", "--no-progress",
                       "--out", tmp_path / "run", "--set", "optimizer.lr=1e-3")
    assert code == 0, err
    assert json.loads((tmp_path / "run/config.json").read_text())["config"]["optimizer"]["lr"] == 0.001

# --- 8b: NaN and infinity are refused where they load, naming the key ----------------------------

FLOAT_SETTINGS = ["optimizer.lr", "optimizer.momentum", "optimizer.weight_decay", "schedule.gamma",
                  "width", "grad_clip", "data.noise_std", "data.val_fraction", "data.min_size",
                  "data.max_size", "data.max_rotation"]


def _nested(dotted: str, value: str) -> str:
    """``optimizer.lr``, ``.nan`` -> ``{optimizer: {lr: .nan}}`` (flow YAML)."""
    text = value
    for key in reversed(dotted.split(".")):
        text = f"{{{key}: {text}}}"
    return text


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf", ".NaN", "+.Inf"])
@pytest.mark.parametrize("key", FLOAT_SETTINGS)
def test_a_spec_with_a_non_finite_setting_is_refused_at_load(tmp_path, key, value):
    from archlens.errors import SpecError
    from archlens.spec.load import load_spec
    path = write(tmp_path, "values.yaml", SPEC_HEAD + f"train:\n  full: {_nested(key, value)}\n")
    with pytest.raises(SpecError, match=rf"train\.full\.{key} must be a finite number, got "):
        load_spec(path)


@pytest.mark.parametrize("setting", ["optimizer.betas=[0.9, .nan]", "optimizer.lr=.nan",
                                     "grad_clip=.inf", "data.noise_std=.nan", "task.slope=.nan",
                                     "task.intercept=-.inf", "optimizer.lr=1e999",
                                     "optimizer.lr=1" + "0" * 400])
def test_set_refuses_a_non_finite_number_before_training(cli, tmp_path, setting):
    line = refused(cli, "train", "linear_regression", "--quick", "--out", tmp_path / "run",
                   "--set", setting)
    key = setting.split("=")[0]
    assert f".{key} must be " in line and "finite" in line, line
    assert "diverged" not in line and not (tmp_path / "run").exists()


@pytest.mark.parametrize("argument", ["p: .nan", "p: .inf"])
def test_a_layer_argument_that_is_not_finite_is_refused(cli, tmp_path, argument):
    path = write(tmp_path, "values.yaml", SPEC_HEAD + f"  - {{name: drop, kind: dropout, {argument}}}\n")
    assert "layer 'drop' (dropout): argument 'p' must be a finite number" in refused(cli, "profile", path)


# --- 8c: true and false are not numbers (a bool is an int in Python: milestones [true] is epoch 1)

INT_SETTINGS = ["epochs", "batch_size", "seed", "schedule.step_size", "data.n_train", "data.n_val",
                "data.seed", "data.max_objects"]


@pytest.mark.parametrize("value", ["true", "false"])
@pytest.mark.parametrize("key", INT_SETTINGS + FLOAT_SETTINGS)
def test_a_bool_is_refused_where_a_number_is_expected(tmp_path, key, value):
    from archlens.errors import SpecError
    from archlens.spec.load import load_spec
    path = write(tmp_path, "values.yaml", SPEC_HEAD + f"train:\n  full: {_nested(key, value)}\n")
    with pytest.raises(SpecError, match=rf"train\.full\.{key} must be .*, got {value.title()}"):
        load_spec(path)


@pytest.mark.parametrize("setting", ["schedule.milestones=[true]", "schedule.milestones=[2, false]",
                                     "optimizer.betas=[true, 0.999]", "input=[true]"])
def test_a_bool_in_a_list_of_numbers_is_refused(cli, tmp_path, setting):
    key = setting.split("=")[0]
    line = refused(cli, "train", "linear_regression", "--quick", "--out", tmp_path / "run",
                   "--set", setting)
    assert f".{key} must be " in line and ("True" in line or "False" in line), line


# --- 8d: --resume after a kill during the checkpoint write says so, not retrains in silence -------

@pytest.mark.parametrize("leftover", [".checkpoint.pt.k3x9q1.tmp", "checkpoint.pt.tmp"])
@pytest.mark.parametrize("fold", ["", "fold-2"])
def test_resume_with_only_a_temporary_checkpoint_is_refused(cli, tmp_path, leftover, fold):
    import json
    run = tmp_path / "run"
    folder = run / fold
    folder.mkdir(parents=True)
    (run / "archlens-run.json").write_text(json.dumps({"files": [], "folders": ["fold-1", "fold-2"]}))
    (folder / "config.json").write_text(json.dumps({"spec": "linear_regression"}))
    (folder / leftover).write_bytes(b"half a checkpoint")
    if fold:
        (run / "fold-1").mkdir()
        (run / "fold-1" / "checkpoint.pt").write_bytes(b"a finished fold")
    args = ["--folds", "2"] if fold else []
    line = refused(cli, "train", "linear_regression", "--quick", "--out", run, "--resume", *args)
    assert str(folder / leftover) in line and "--force" in line and "nothing to resume" in line, line
    assert not (folder / "checkpoint.pt").exists() and (folder / leftover).exists()


def test_resume_beside_a_stale_temporary_file_continues_the_checkpoint(cli, tmp_path):
    import json
    run = tmp_path / "run"
    args = ["train", "linear_regression", "--quick", "--out", run, "--no-progress", "--epochs", "1"]
    assert cli(*args)[0] == 0
    (run / ".checkpoint.pt.k3x9q1.tmp").write_bytes(b"a later write, cut off")
    code, _, err = cli(*args, "--resume")
    assert code == 0, err
    history = json.loads((run / "metrics.json").read_text())["history"]
    assert [row["epoch"] for row in history] == [1]


def test_resume_continues_a_k_fold_run_stopped_in_its_second_fold(cli, tmp_path):
    import json
    run = tmp_path / "run"
    args = ["train", "linear_regression", "--quick", "--epochs", "1", "--folds", "2",
            "--no-progress", "--out", run]
    assert cli(*args)[0] == 0
    # the folder as a kill in fold 2's first epoch leaves it: fold 1 done, fold 2 begun
    for name in ("metrics.json", "metrics.csv", "curves.svg", "curves.png"):
        (run / name).unlink()
    for name in ("checkpoint.pt", "metrics.json", "metrics.csv", "curves.svg", "curves.png"):
        (run / "fold-2" / name).unlink()
    code, _, err = cli(*args, "--resume")
    assert code == 0, err
    assert len(json.loads((run / "metrics.json").read_text())["per_fold"]) == 2


# --- 8e: no accuracy from an empty validation split or from a single class -----------------------

def _image_tree(root, layout: dict) -> None:
    """``{"train/cat": 2, ...}``: that many 16x16 PNGs in each folder."""
    import numpy as np
    from PIL import Image
    for folder, count in layout.items():
        (root / folder).mkdir(parents=True)
        for i in range(count):
            pixels = np.full((16, 16, 3), 40 * i, dtype=np.uint8)
            Image.fromarray(pixels).save(root / folder / f"{i}.png")


def _tiny_classifier(tmp_path):
    from train_helpers import TINY_CLASSIFIER, write_spec
    return write_spec(tmp_path, TINY_CLASSIFIER)


@pytest.mark.parametrize("layout, expected", [
    ({"cat": 1}, "1 image: too few to hold out a validation split"),
    ({"cat": 6}, "one class folder (cat): classification needs at least 2 classes"),
    ({"train/cat": 4, "val/cat": 2}, "one class folder (cat): classification needs at least 2 classes"),
], ids=["one-image", "one-class", "one-class-train-val"])
def test_a_dataset_that_cannot_measure_accuracy_is_refused(cli, tmp_path, layout, expected):
    _image_tree(tmp_path / "data", layout)
    line = refused(cli, "train", _tiny_classifier(tmp_path), "--quick", "--epochs", "1",
                   "--data", tmp_path / "data", "--out", tmp_path / "run", "--no-progress")
    assert expected in line and str(tmp_path / "data") in line, line
    assert not (tmp_path / "run" / "metrics.json").exists()


def test_two_images_of_two_classes_still_train(cli, tmp_path):
    _image_tree(tmp_path / "data", {"cat": 1, "dog": 1})
    code, _, err = cli("train", _tiny_classifier(tmp_path), "--quick", "--epochs", "1",
                       "--data", tmp_path / "data", "--out", tmp_path / "run", "--no-progress")
    assert code == 0, err


# --- 9a: a complex YAML key (? [a, b]) is not a plain name ----------------------------------------

@pytest.mark.parametrize("text, got", [("? [a, b]\n: 1\n", "a list"), ("? {a: 1}\n: 1\n", "a mapping"),
                                       ("{[a]: 1}\n", "a list"), ("layers:\n  ? - fc\n  : 1\n", "a list")])
def test_a_complex_key_must_be_a_plain_name(text, got):
    from archlens.errors import SpecError
    with pytest.raises(SpecError, match=rf"^x\.yaml: line \d+: a mapping key must be a plain name, "
                                        rf"not {got}"):
        yamlio.parse_with_lines(text, "x.yaml")


@pytest.mark.parametrize("command", ["profile", "check"])
def test_the_cli_names_the_complex_key(cli, tmp_path, command):
    spec = write(tmp_path, "values.yaml", SPEC_HEAD.replace("layers:", "? [a, b]\n: 1\nlayers:")
                 if command == "profile" else SPEC_HEAD)
    answers = write(tmp_path, "answers.yaml", "layers:\n  ? [fc, params]\n  : 2\n")
    args = [spec] if command == "profile" else [spec, answers]
    line = refused(cli, command, *args)
    assert "a mapping key must be a plain name, not a list" in line and "tag" not in line, line


# --- 9b: an answers file of the wrong shape says what it got -------------------------------------

@pytest.mark.parametrize("text, got", [
    ("layers:\n  - fc\n", "'layers:' is a list"),
    ("layers: fc\n", "'layers:' is a string"),
    ("layers:\n", "'layers:' is empty"),
    ("answers:\n  fc: {params: 2}\n", "no 'layers:' key"),
    ("- fc\n", "the file is a list"),
    ("# nothing yet\n", "the file is empty"),
])
def test_an_answers_file_of_the_wrong_shape_says_what_it_got(cli, tmp_path, text, got):
    spec = write(tmp_path, "values.yaml", SPEC_HEAD)
    line = refused(cli, "check", spec, write(tmp_path, "answers.yaml", text))
    assert got in line and "expected a top-level 'layers:' mapping" in line, line
    assert "got a dict" not in line


# --- 9c: a UTF-8 byte-order mark (Excel's "CSV UTF-8", Notepad) is not part of the first cell ----

@pytest.mark.parametrize("name, text", [
    ("answers.csv", "layer,field,value\nfc,params,2\n"),
    ("answers.csv", "layer,out_shape,params\nfc,1,2\n"),
    ("answers.yaml", "layers:\n  fc: {params: 2}\n"),
])
def test_answers_with_a_byte_order_mark_are_read(cli, tmp_path, name, text):
    spec = write(tmp_path, "values.yaml", SPEC_HEAD)
    answers = tmp_path / name
    answers.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    code, out, err = cli("check", spec, answers)
    assert code == 0 and err == "", err
    assert "fc" in out and "params" in out


def test_a_spec_with_a_byte_order_mark_loads(tmp_path):
    from archlens.spec.load import load_spec
    path = tmp_path / "values.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SPEC_HEAD.encode("utf-8"))
    assert load_spec(path).name == "values"


# --- 9d: a key too long for YAML (over 1024 characters) is a key too long, not a syntax error ----

LONG = "a" * 2000


@pytest.mark.parametrize("layer", [f"  - name: fc2\n    kind: linear\n    out_features: 1\n    {LONG}: 1\n",
                                   f"  - {{name: fc2, kind: linear, out_features: 1, {LONG}: 1}}\n"],
                         ids=["block", "flow"])
def test_a_spec_key_over_1024_characters_is_named_too_long(cli, tmp_path, layer):
    line = refused(cli, "profile", write(tmp_path, "values.yaml", SPEC_HEAD + layer))
    assert "line 6" in line or "line 9" in line, line
    assert "a key of 2,000 characters" in line and "syntax error" not in line, line
    assert len(line) < 300


@pytest.mark.parametrize("setting", [f"{LONG}=1", f"optimizer.{LONG}=1", f"task={{{LONG}: 1}}",
                                     f"{'b' * 300}=1"])
def test_set_with_a_key_too_long_says_so_briefly(cli, tmp_path, setting):
    line = refused(cli, "train", "linear_regression", "--quick", "--out", tmp_path / "run",
                   "--set", setting)
    assert len(line) < 400, line
    assert ("unknown key" in line and "characters)" in line) or "a key of 2,000 characters" in line, line


def test_an_answers_key_too_long_says_so(cli, tmp_path):
    spec = write(tmp_path, "values.yaml", SPEC_HEAD)
    line = refused(cli, "check", spec, write(tmp_path, "answers.yaml", f"layers:\n  {LONG}: {{params: 2}}\n"))
    assert "a key of 2,000 characters" in line and len(line) < 300, line
    line = refused(cli, "check", spec, write(tmp_path, "answers.yaml", f"layers:\n  {'c' * 500}: {{params: 2}}\n"))
    assert "no layer 'ccc" in line and "...' (500 characters)" in line and len(line) < 300, line


# --- 9e: terminal escape sequences in user text are shown escaped, never sent to the terminal ----

ESCAPES = ["\x1b[31mred", "\x1b]0;owned\x07", "\x9b2J", "bell\x07", "del\x7f", "nul\x00"]
CONTROL = [chr(c) for c in [*range(32), *range(0x7f, 0xa0)]]


def _no_control(text: str) -> bool:
    return not any(c in text for c in CONTROL if c != "\n")


@pytest.mark.parametrize("hostile", ESCAPES)
def test_every_user_error_is_one_printable_line(hostile):
    from archlens.teach.answers import AnswersError
    from archlens.errors import ArchlensError, DataError, SpecError, TrainError
    for error in (ArchlensError(hostile), DataError(hostile), TrainError(hostile),
                  SpecError(hostile, file=hostile, layer=hostile, kind=hostile),
                  AnswersError(hostile, hostile, 3, hostile)):
        assert _no_control(str(error)) and "\n" not in str(error), repr(str(error))


@pytest.mark.parametrize("hostile", ESCAPES)
def test_an_answers_key_with_escapes_is_shown_escaped(cli, tmp_path, hostile):
    import json
    spec = write(tmp_path, "values.yaml", SPEC_HEAD)
    answers = write(tmp_path, "answers.yaml", f"layers:\n  {json.dumps(hostile)}: {{params: 2}}\n")
    line = refused(cli, "check", spec, answers)
    assert _no_control(line) and "no layer '" in line and "\\x" in line, repr(line)


@pytest.mark.parametrize("where", ["layer name", "layer kind", "spec name", "train key", "arg"])
def test_spec_text_with_escapes_is_shown_escaped(cli, tmp_path, where):
    hostile = '"\\e[2J\\e]0;owned\\a"'    # YAML double-quoted escapes: ESC [2J, ESC ]0;... BEL
    layer = {"layer name": f"  - {{name: {hostile}, kind: relu}}\n",
             "layer kind": f"  - {{name: r, kind: {hostile}}}\n",
             "arg": f"  - {{name: r, kind: relu, {hostile}: 1}}\n"}.get(where, "")
    head = SPEC_HEAD.replace("name: values", f"name: {hostile}") if where == "spec name" else SPEC_HEAD
    tail = f"train:\n  full: {{{hostile}: 1}}\n" if where == "train key" else ""
    line = refused(cli, "profile", write(tmp_path, "values.yaml", head + layer + tail))
    assert _no_control(line) and "\\x1b" in line, repr(line)


def test_a_layer_name_ending_in_a_newline_is_refused(cli, tmp_path):
    line = refused(cli, "profile", write(tmp_path, "values.yaml", SPEC_HEAD + '  - {name: "r\\n", kind: relu}\n'))
    assert "must be an identifier" in line and "\\n" in line, line


def test_the_checker_report_escapes_what_it_echoes(tmp_path):
    from archlens.teach.checker import CheckReport, Verdict, to_text
    v = Verdict("fc\x1b[2J", "params", False, "2", "3\x1b]0;owned\x07")
    text = to_text(CheckReport("values\x1b[31m", "default", (v,), (("fc\x9b", ("rf",)),)))
    assert _no_control(text), repr(text)


def test_detect_output_escapes_the_image_path():
    import torch
    from archlens.detection.detect import DetectResult, format_result
    from archlens.detection.head import Detections
    none = Detections(torch.zeros(0, 4), torch.zeros(0), torch.zeros(0, dtype=torch.long), 0)
    result = DetectResult("photo\x1b]0;owned\x07.png", (4, 4), "windows", none)
    assert _no_control(format_result(result, "values"))


def test_a_spec_title_with_escapes_is_escaped_in_the_markdown_worksheet(cli, tmp_path):
    spec = write(tmp_path, "values.yaml", SPEC_HEAD.replace("task:", 'title: "VGG\\e]0;owned\\a"\ntask:'))
    code, out, err = cli("worksheet", spec)
    assert code == 0, err
    assert _no_control(out) and "VGG" in out


# --- 9f: files archlens writes get the mode a plain open() gives (0666 & ~umask), not 0600 -------

@pytest.fixture(params=[0o022, 0o002, 0o077, 0o027])
def umask(request):
    import os
    before = os.umask(request.param)   # set after archlens was imported, as a caller may
    yield request.param
    os.umask(before)


def test_a_template_gets_the_usual_file_mode(cli, tmp_path, umask):
    import os
    import stat
    code, _, err = cli("worksheet", "mlp", "--template", tmp_path / "answers.yaml")
    assert code == 0, err
    assert stat.S_IMODE(os.stat(tmp_path / "answers.yaml").st_mode) == 0o666 & ~umask


def test_every_atomic_write_gets_the_usual_file_mode(tmp_path, umask):
    import os
    import stat
    from archlens.files import write_text_atomically
    written = write_text_atomically(tmp_path / "notes.txt", "x")
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o666 & ~umask
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]   # no temporary file left


# --- 9g: under torchrun a user error is printed once (rank 0), and every rank exits 2 -------------

def _ranks(args, world: int = 2) -> list:
    """Run ``archlens ARGS`` as the ``world`` processes torchrun would start (its environment,
    without its launcher, whose own failure summary is torch's); [(exit code, stdout, stderr)]
    by rank."""
    import os
    import subprocess
    import sys
    from train_helpers import ROOT, free_port
    base = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "WORLD_SIZE": str(world),
            "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port())}
    procs = [subprocess.Popen([sys.executable, "-m", "archlens", *map(str, args)], cwd=ROOT,
                              env={**base, "RANK": str(r), "LOCAL_RANK": str(r)},
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for r in range(world)]
    outputs = [p.communicate(timeout=300) for p in procs]
    return [(p.returncode, out, err) for p, (out, err) in zip(procs, outputs)]


@pytest.mark.slow
@pytest.mark.parametrize("case", ["setting", "run folder", "diverged", "data"])
def test_a_user_error_under_torchrun_is_printed_once(tmp_path, case):
    out = tmp_path / "run"
    extra, expected = {
        "setting": (["--set", "optimizer.lr=-1"], "optimizer.lr must lie in"),     # every rank
        "run folder": ([], "not empty and not an archlens run"),                  # rank 0 only
        "diverged": (["--set", "optimizer.lr=1e30"], "training diverged"),        # in the loop
        "data": (["--data", tmp_path / "none"], "trains on generated data only"),  # every rank
    }[case]
    if case == "run folder":
        out.mkdir()
        (out / "photo.jpg").write_bytes(b"a user's file")
    results = _ranks(["train", "linear_regression", "--quick", "--epochs", "1", "--no-progress",
                      "--out", out, *extra])
    (code0, _, err0), (code1, _, err1) = results
    assert (code0, code1) == (2, 2), results
    assert err0.count("\n") == 1 and err0.startswith("archlens: ") and expected in err0, err0
    assert err1 == "", err1


@pytest.mark.slow
def test_a_run_under_torchrun_reports_once(tmp_path):
    results = _ranks(["train", "linear_regression", "--quick", "--epochs", "1", "--no-progress",
                      "--out", tmp_path / "run"])
    (code0, out0, err0), (code1, out1, err1) = results
    assert (code0, err0, code1, err1) == (0, "", 0, ""), results
    assert "final metrics" in out0 and out1 == "", results

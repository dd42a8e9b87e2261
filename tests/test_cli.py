"""The command line and the Python API agree and keep their contracts."""
import csv
import io
import json

import pytest

import archlens
import torch
from archlens_testing import run_process


def test_json_contract(cli):
    code, out, _ = cli("profile", "vgg16", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["spec"] == "vgg16" and doc["input"] == [3, 224, 224]
    assert {"params", "trainable_params", "macs", "flops", "activation_bytes"} <= set(doc["totals"])
    assert doc["totals"]["params"] == 138_357_544 and doc["totals"]["macs"] == 15_470_264_320
    layer = doc["layers"][0]
    for key in ("name", "kind", "inputs", "out_shape", "params", "macs", "flops", "activation_bytes", "rf"):
        assert key in layer
    assert layer["inputs"] == ["input"] and layer["out_shape"] == [64, 224, 224]
    assert all(isinstance(l["params"], int) and isinstance(l["macs"], int) for l in doc["layers"])
    pool5 = next(l for l in doc["layers"] if l["name"] == "pool5")
    rf = pool5["rf"]   # later versions may add fields, never rename them
    assert {k: rf[k] for k in ("size", "jump", "start")} == {"size": [212, 212], "jump": [32, 32],
                                                             "start": [15.5, 15.5]}
    assert rf["exact"] == {"size": ["212", "212"], "jump": ["32", "32"], "start": ["31/2", "31/2"]}
    assert rf["size_min"] == [212, 212] and rf["phases"] == [1, 1] and rf["phase_sizes"] == [[212], [212]]
    assert next(l for l in doc["layers"] if l["name"] == "fc6")["rf"] is None


def test_json_is_the_profile_dict_with_one_layer_per_line(cli):
    from archlens.render.formats import to_dict
    _, out, _ = cli("profile", "fcn8s", "--format", "json")
    assert json.loads(out) == to_dict(archlens.profile("fcn8s"))
    rows = [line.strip().rstrip(",") for line in out.splitlines() if line.lstrip().startswith('{"name"')]
    assert [json.loads(row)["name"] for row in rows] == [lp.name for lp in archlens.profile("fcn8s").layers]


def test_input_override_changes_derived_sizes(cli):
    code, out, _ = cli("profile", "vgg16", "--input", "3x512x512", "--format", "json")
    doc = json.loads(out)
    fc6 = next(l for l in doc["layers"] if l["name"] == "fc6")
    assert fc6["params"] == 512 * 16 * 16 * 4096 + 4096  # in_features follows the input
    with torch.device("meta"):     # the sizes without allocating VGG-16's 2 GB of weights
        model = archlens.build_model("vgg16", input=(3, 512, 512))
    assert model.fc6.in_features == 512 * 16 * 16


def test_csv_and_markdown_and_table(cli):
    _, out, _ = cli("profile", "vgg11", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert sum(int(r["params"]) for r in rows) == 132_863_336
    _, md, _ = cli("profile", "vgg11", "--format", "markdown")
    assert md.startswith("| layer | kind |") and "**132,863,336**" in md
    _, table, _ = cli("profile", "vgg11")
    assert "132,863,336" in table and "RF" in table and "conventions:" in table
    lengths = {len(line) for line in table.splitlines()[1:4]}
    assert len(lengths) == 1  # aligned columns


def test_dtype_changes_activation_bytes(cli):
    _, a, _ = cli("profile", "mlp", "--format", "json")
    _, b, _ = cli("profile", "mlp", "--format", "json", "--dtype", "float16")
    assert json.loads(a)["totals"]["activation_bytes"] == 2 * json.loads(b)["totals"]["activation_bytes"]


def test_list_names_every_bundled_spec(cli):
    code, out, _ = cli("list")
    assert code == 0 and all(name in out for name in archlens.bundled_specs())


def test_verify_command_exit_code(cli):
    code, out, _ = cli("verify", "mlp")
    assert code == 0 and "OK:" in out and "torchinfo" in out


def test_spec_path_and_name_are_interchangeable(tmp_path):
    from archlens.spec.load import SPECS_DIR
    a = archlens.profile("vgg13")
    b = archlens.profile(str(SPECS_DIR / "vgg13.yaml"))
    assert a.totals == b.totals


def test_python_m_and_console_script():
    proc = run_process("profile", "linear_regression", "--format", "json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["totals"]["params"] == 2


def test_profile_imports_no_torch():
    import subprocess
    import sys
    code = ("import sys, archlens; from archlens.cli import main; main(['profile', 'vgg16', "
            "'--format', 'json']); assert 'torch' not in sys.modules, 'torch imported'")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("width", [0.5, 0.125])
def test_width_multiplier_keeps_the_class_count(width):
    model = archlens.build_model("vgg16", input=(3, 32, 32), width=width)
    assert model.conv1_1.out_channels == round(64 * width)
    assert model.fc8.out_features == 1000
    p = archlens.profile("vgg16", input=(3, 32, 32), width=width)
    assert p.totals.params == sum(t.numel() for t in model.parameters())

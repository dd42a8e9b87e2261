"""archlens import: unknown ops (an error naming op, module and line; or opaque layers whose
counts are unknown, never 0), untraceable models, the CLI, and TARGETs. Oracles: torch itself
(output shapes, parameter counts, FlopCounterMode) and the source file's own text."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import archlens
import import_targets as targets
from archlens.cli import main
from archlens.errors import SpecError
from archlens.importers.target import is_target
from archlens.importers.weights import spec_state_dict
from archlens.render.formats import to_json, to_table

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SOURCE = TESTS / "import_targets.py"
TINY = "tests/import_targets.py:tiny"


def _line_of(text: str) -> int:
    return next(i for i, line in enumerate(SOURCE.read_text().splitlines(), 1) if text in line)


def test_an_unknown_op_fails_naming_the_op_its_module_and_its_source_line():
    with pytest.raises(SpecError) as err:
        archlens.from_module(targets.Rolled(), input=(3, 8, 8))
    message = str(err.value)
    assert "torch.roll" in message and "'body'" in message and "\n" not in message
    assert f"import_targets.py:{_line_of('torch.roll(')}: " in message
    assert "--allow-unknown" in message


def test_a_module_argument_no_kind_reproduces_is_unknown_with_its_reason():
    with pytest.raises(SpecError, match="padding_mode 'reflect'"):
        archlens.from_module(targets.Reflect(), input=(3, 8, 8))


def _prelu_spec():
    return archlens.from_module(targets.PReLUNet(), input=(3, 16, 16), allow_unknown=True)


def test_an_opaque_layer_has_the_traced_shape_and_the_modules_parameters():
    model, spec = targets.PReLUNet(), _prelu_spec()
    seen = {}
    model.act.register_forward_hook(lambda m, i, o: seen.update(shape=tuple(o.shape[1:])))
    model(torch.zeros(1, 3, 16, 16))
    prof = archlens.profile(spec)
    act = prof.layer("act")
    assert act.kind == "opaque" and not act.counted
    assert act.out_shape == seen["shape"]
    assert act.params.total == sum(p.numel() for p in model.act.parameters()) == 6
    assert prof.totals.params == sum(p.numel() for p in model.parameters())


def test_opaque_counts_are_unknown_and_totals_a_lower_bound():
    model, prof = targets.PReLUNet(), archlens.profile(_prelu_spec())
    counter = FlopCounterMode(display=False)
    with counter:
        model(torch.zeros(1, 3, 16, 16))
    known = counter.get_total_flops() // 2     # torch counts the convolutions, not the PReLU
    assert prof.totals.macs == known and prof.totals.uncounted == ("act",)
    table = to_table(prof)
    act_row = next(line for line in table.splitlines() if line.startswith("act "))
    assert act_row.count("unknown") == 2
    assert f"at least {known:,}" in table
    doc = json.loads(to_json(prof))
    layer = next(lp for lp in doc["layers"] if lp["name"] == "act")
    assert layer["macs"] is None and layer["flops"] is None
    assert doc["totals"]["uncounted_layers"] == ["act"]


def test_receptive_fields_end_at_an_opaque_layer():
    prof = archlens.profile(_prelu_spec())
    assert prof.layer("conv1").rf is not None
    assert prof.layer("act").rf is None and prof.layer("pool").rf is None


def test_an_opaque_layer_cannot_be_built_or_profiled_at_another_size():
    spec = _prelu_spec()
    with pytest.raises(SpecError, match="layer 'act' \\(opaque\\).*cannot be built"):
        archlens.build_model(spec)
    with pytest.raises(SpecError, match="traced on inputs 6x16x16"):
        archlens.profile(spec, input=(3, 32, 32))


def test_a_model_fx_cannot_trace_gets_fxs_reason_and_a_hint():
    with pytest.raises(SpecError) as err:
        archlens.from_module(targets.Branchy(), input=(3, 8, 8))
    message = str(err.value)
    assert "torch.fx cannot trace" in message and "control flow" in message
    assert "\n" not in message


def test_shared_weights_are_refused_by_name():
    with pytest.raises(SpecError, match="module 'conv' is called 2 times"):
        archlens.from_module(targets.Shared(), input=(3, 8, 8))


def test_import_writes_yaml_that_round_trips_the_state_dict(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "tiny.yaml"
    assert main(["import", TINY, "--input", "3x8x8", "--out", str(out)]) == 0
    spec = archlens.load_spec(out)
    model = targets.Tiny().eval()
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_var.uniform_(0.5, 1.5)
            m.running_mean.normal_()
    built = archlens.build_model(spec).eval()
    built.load_state_dict(spec_state_dict(spec, model.state_dict()), strict=True)
    x = torch.randn(2, 3, 8, 8)
    with torch.no_grad():
        assert torch.allclose(built(x), model(x), atol=1e-5)
    layers = {layer.name: layer.kind for layer in spec.layers}
    assert layers["stem_0"] == "conv" and layers["add"] == "add" and layers["view"] == "flatten"


@pytest.mark.parametrize("how", ["shape", "size", "pair", "calls"])
def test_a_size_that_is_another_maps_becomes_a_reference_input_exact_at_any_size(how):
    """Imported at 16x16 (the coarse map exactly half the fine one), built at 26x34, where the
    fine map is 13x17 and the coarse 7x9: the same outputs as the model itself (torch)."""
    model = targets.ResizeTo(how).eval()
    spec = archlens.from_module(model, input=(3, 16, 16))
    (up,) = [layer for layer in spec.layers if layer.kind == "upsample"]
    assert up.inputs == ("coarse", "fine")
    built = archlens.build_model(spec, input=(3, 26, 34)).eval()
    built.load_state_dict(spec_state_dict(spec, model.state_dict()), strict=True)
    x = torch.randn(2, 3, 26, 34, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected, got = model(x), built(x)
    assert got.shape == expected.shape == (2, 4, 13, 17)
    assert torch.allclose(got, expected, atol=1e-5)


def test_a_size_from_two_different_axes_is_no_reference():
    """(H, H) is not the fine map's height and width: the traced scale is written (16x16 in,
    8x8 fine, 4x4 coarse: 2), the layer reads the coarse map only."""
    spec = archlens.from_module(targets.ResizeTo("square"), input=(3, 16, 16))
    (up,) = [layer for layer in spec.layers if layer.kind == "upsample"]
    assert up.inputs in (None, ("coarse",)) and up.args.scale_factor == (2, 2)


def test_ops_a_kind_maps_take_its_shape_and_run_nothing_on_meta(monkeypatch):
    """torch's meta kernels import sympy and torch._dynamo on first use (seconds a process):
    only what no kind tells before it runs, x.size(0) and x.view(n, -1) here, runs on meta.
    Tiny's shapes themselves are held against torch by the round trip test above."""
    from torch import fx
    ran, run_node = [], fx.Interpreter.run_node

    def recorded(self, n):
        ran.append(n.target)
        return run_node(self, n)
    monkeypatch.setattr(fx.Interpreter, "run_node", recorded)
    spec = archlens.from_module(targets.Tiny(), input=(3, 8, 8))
    assert [t for t in ran if t not in ("x", "output")] == ["size", "view"]
    assert [layer.kind for layer in spec.layers].count("conv") == 2


def test_import_never_overwrites_without_force(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "tiny.yaml"
    out.write_text("mine")
    assert main(["import", TINY, "--out", str(out)]) == 2
    assert "file exists" in capsys.readouterr().err and out.read_text() == "mine"
    assert main(["import", TINY, "--out", str(out), "--force", "--input", "3x8x8"]) == 0
    assert archlens.load_spec(out).name == "tiny"


@pytest.mark.parametrize("target,problem", [
    ("tests/import_targets.py:tinyy", "did you mean 'tiny'"),
    ("tests/import_targets.py:needs_args", "must take no arguments"),
    ("tests/no_such_file.py:tiny", "no such Python file"),
    ("tests/import_targets.py:rolled", "torch.roll"),
])
def test_bad_targets_are_one_line_exit_2(target, problem, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["import", target, "--input", "3x8x8"]) == 2
    err = capsys.readouterr().err
    assert problem in err and err.count("\n") == 1


def test_profile_takes_a_target_and_an_instance(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["profile", "tests/import_targets.py:instance", "--input", "3x8x8",
                 "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["totals"]["params"] == sum(p.numel() for p in targets.Tiny().parameters())
    assert doc["input"] == [3, 8, 8]


def test_profile_accepts_a_module():
    prof = archlens.profile(targets.Tiny(), input=(3, 8, 8))
    assert prof.totals.params == sum(p.numel() for p in targets.Tiny().parameters())


def test_profile_of_the_written_yaml_loads_no_torch(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    out = tmp_path / "tiny.yaml"
    assert main(["import", TINY, "--input", "3x8x8", "--out", str(out)]) == 0
    code = ("import sys; from archlens.cli import main; rc = main(['profile', sys.argv[1]]); "
            "assert 'torch' not in sys.modules, 'torch loaded'; sys.exit(rc)")
    run = subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True, text=True,
                         cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "stem_0" in run.stdout


@pytest.mark.parametrize("ref,expected", [
    ("vgg16", False), ("specs/net.yaml", False), ("pkg.models:resnet", True),
    ("models/net.py:build", True), ("a:b:c", False), ("net.py:", False)])
def test_is_target(ref, expected):
    assert is_target(ref) is expected


def test_a_worksheet_asks_no_macs_of_an_opaque_layer():
    from archlens.render.worksheet_pages import worksheet_markdown
    page = worksheet_markdown(archlens.profile(_prelu_spec()), answers=True)
    act = page.split("### act")[1].split("###")[0]
    assert "MACs" not in act and "parameters" in act


def test_a_model_page_names_its_opaque_layers_and_bounds_its_totals(tmp_path):
    from archlens.site.spec_page import PageData, header, layer_table
    spec = _prelu_spec()
    prof = archlens.profile(spec)
    page = PageData(spec, prof, "prelunet", tmp_path)
    text = header(page) + layer_table(page)
    assert "opaque layers" in text and f"at least {prof.totals.macs:,}" in text
    act_row = next(line for line in text.splitlines() if line.startswith("| act "))
    assert act_row.count("unknown") == 2


def test_in_place_activations_stay_in_place_so_the_memory_figures_are_the_models():
    # torch's own flag is the oracle: ReLU(inplace=True) overwrites its input, ReLU() does not.
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.ReLU(inplace=True),
                                torch.nn.Conv2d(4, 4, 3), torch.nn.ReLU(), torch.nn.Hardtanh(inplace=True))
    layers = archlens.from_module(model, input=(3, 8, 8)).layers
    assert [getattr(layer.args, "inplace", None) for layer in layers] == [None, True, None, False, True]

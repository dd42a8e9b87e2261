"""The answer checker and its mistake table, against hand calculations."""
import pytest
import yaml

from archlens.teach.answers import read_answers, template
from archlens.teach.checker import check
from archlens.teach.mistakes import RULES
from archlens.core.profile import profile
from archlens.render.formats import layer_json
from archlens.spec.load import spec_from_dict


@pytest.fixture(scope="module")
def vgg16():
    return profile("vgg16")


def _pool_net(ceil: bool):
    """3x14x14 -> maxpool 3/2: floor((14-3)/2)+1 = 6, ceil((14-3)/2)+1 = 7 (hand calculation)."""
    return profile(spec_from_dict({"name": "pooltest", "input": [3, 14, 14], "layers": [
        {"name": "pool", "kind": "maxpool", "kernel_size": 3, "stride": 2, "ceil_mode": ceil}]}))


def _write(tmp_path, doc, name="answers.yaml"):
    path = tmp_path / name
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return path


def _verdicts(p, tmp_path, layers, convention="default"):
    report = check(p, read_answers(_write(tmp_path, {"layers": layers}), p), convention)
    return report, {(v.layer, v.field): v for v in report.verdicts}


# (rule, spec, layer, field, the wrong answer worked by hand with that mistake)
MISTAKES = [
    ("forgot_bias", "vgg16", "conv1_1", "params", 3 * 3 * 3 * 64),                  # 1728
    ("bias_per_input_channel", "vgg16", "conv1_1", "params", 3 * 3 * 3 * 64 + 3),
    ("bias_per_input_channel", "vgg16", "fc6", "params", 25088 * 4096 + 25088),
    ("k_not_squared", "vgg16", "conv2_1", "params", 3 * 64 * 128 + 128),
    ("forgot_cin", "vgg16", "conv2_1", "params", 3 * 3 * 128 + 128),
    ("flops_for_macs", "vgg16", "conv1_1", "macs", 2 * 224 * 224 * 64 * 3 * 3 * 3),
    ("macs_per_position_missing", "vgg16", "conv1_2", "macs", 3 * 3 * 64 * 64),
    ("padding_left_out", "vgg16", "conv1_1", "out_shape", [64, 222, 222]),          # 224 - 3 + 1
    ("floor_not_ceil", "ceil", "pool", "out_shape", [3, 6, 6]),
    ("ceil_not_floor", "floor", "pool", "out_shape", [3, 7, 7]),
    ("output_missing_plus_one", "vgg16", "pool1", "out_shape", [64, 111, 111]),
    ("output_extra_one", "vgg16", "conv1_1", "out_shape", [64, 225, 225]),
    ("rf_without_jump", "vgg16", "conv2_1", "rf", 1 + 2 + 2 + 1 + 2),               # 8, not 10
]


def _profile(name, vgg16):
    return {"vgg16": vgg16, "ceil": _pool_net(True), "floor": _pool_net(False)}[name]


@pytest.mark.parametrize("rule,spec,layer,field,answer", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_mistake_is_named(rule, spec, layer, field, answer, vgg16, tmp_path):
    p = _profile(spec, vgg16)
    _, verdicts = _verdicts(p, tmp_path, {layer: {field: answer}})
    v = verdicts[(layer, field)]
    sentence = next(r.sentence for r in RULES if r.name == rule)
    assert (v.ok, v.rule, v.diagnosis) == (False, rule, sentence)


def test_every_rule_has_a_case():
    assert {r.name for r in RULES} == {m[0] for m in MISTAKES}


def test_right_answers_and_unknown_wrong(vgg16, tmp_path):
    report, v = _verdicts(vgg16, tmp_path, {
        "conv1_1": {"params": 1792, "out_shape": [64, 224, 224], "rf": 3, "macs": 86_704_128},
        "pool1": {"out_shape": "64x112x112", "rf": [6, 6]},
        "fc6": {"params": "102,764,544", "rf": "none"},
        "conv1_2": {"params": 12345}})
    assert all(v[k].ok for k in v if k[0] != "conv1_2")
    assert not v[("conv1_2", "params")].ok and v[("conv1_2", "params")].diagnosis == ""
    assert v[("conv1_2", "params")].expected == str(3 * 3 * 64 * 64 + 64)
    assert report.exit_code == 1


def test_partial_file_lists_unanswered(vgg16, tmp_path):
    report, _ = _verdicts(vgg16, tmp_path, {"conv1_1": {"params": 1792}})
    assert report.exit_code == 0 and len(report.verdicts) == 1
    unanswered = dict(report.unanswered)
    assert unanswered["conv1_1"] == ("out_shape", "macs", "rf")
    assert unanswered["fc8"] == ("out_shape", "params", "macs", "rf")


def test_no_bias_convention(vgg16, tmp_path):
    answers = {"conv1_1": {"params": 1728}, "fc6": {"params": 25088 * 4096},
               "conv1_2": {"params": 36928}}
    report, v = _verdicts(vgg16, tmp_path, answers, "no-bias")
    assert report.exit_code == 0 and "no-bias" in v[("conv1_1", "params")].note
    assert v[("conv1_2", "params")].note == ""          # with-bias count still right
    report, v = _verdicts(vgg16, tmp_path, answers)
    assert report.exit_code == 1 and v[("conv1_1", "params")].rule == "forgot_bias"


def _true_answers(p):
    out = {}
    for lp in p.layers:
        j = layer_json(lp)
        out[lp.name] = {"out_shape": j["out_shape"], "params": j["params"], "macs": j["macs"],
                        "rf": j["rf"]["size"] if j["rf"] else "none"}
    return out


@pytest.mark.parametrize("name", ["vgg16", "mlp"])
def test_template_round_trip(name, tmp_path, cli):
    p = profile(name)
    path = tmp_path / "a.yaml"
    assert cli("worksheet", name, "--template", path)[0] == 0
    doc = yaml.safe_load(path.read_text())
    assert set(doc["layers"]) == {lp.name for lp in p.layers}
    assert all(v is None for fields in doc["layers"].values() for v in fields.values())
    for layer, fields in _true_answers(p).items():
        doc["layers"][layer].update(fields)
    path.write_text(yaml.safe_dump(doc))
    code, out, err = cli("check", name, path)
    assert (code, err) == (0, "") and "unanswered: none" in out and " 0 wrong" in out


def test_template_refuses_overwrite(tmp_path, cli):
    path = tmp_path / "a.yaml"
    path.write_text("mine")
    code, _, err = cli("worksheet", "mlp", "--template", path)
    assert code == 2 and "--force" in err and path.read_text() == "mine"
    assert cli("worksheet", "mlp", "--template", path, "--force")[0] == 0
    assert "layers:" in path.read_text() and template(profile("mlp")) == path.read_text()


def test_csv_long_and_wide(vgg16, tmp_path, cli):
    long = _write(tmp_path, "layer,field,value\nconv1_1,params,1728\npool1,out_shape,64x112x112\n",
                  "long.csv")
    code, out, _ = cli("check", "vgg16", long)
    assert code == 1 and "You forgot the bias" in out and "✓ pool1" in out
    wide = _write(tmp_path, "layer,out_shape,params,macs,rf\nconv1_1,64x224x224,1792,86704128,3\n"
                  "fc8,1000,4097000,,none\n", "wide.csv")
    code, out, _ = cli("check", "vgg16", wide)
    assert code == 0 and out.count("✓") == 7


BAD = [  # (file name, content, words the one-line message must contain)
    ("a.yaml", "layers:\n  conv1_1: {params: lots}\n", ["line 2", "conv1_1", "params", "'lots'"]),
    ("a.yaml", "layers:\n  conv1_1:\n    params: -5\n", ["line 3", "conv1_1", "non-negative", "-5"]),
    ("a.yaml", "layers:\n  cnv1_1: {params: 1792}\n", ["line 2", "cnv1_1", "did you mean 'conv1_1'"]),
    ("a.yaml", "layers:\n  conv1_1: {out_shape: [64, 224]}\n", ["conv1_1", "out_shape", "3 entries"]),
    ("a.yaml", "layers:\n  conv1_1: {out_shape: big}\n", ["conv1_1", "out_shape", "'big'"]),
    ("a.yaml", "layers:\n  conv1_1: {rf: [3, 3, 3]}\n", ["conv1_1", "rf", "[h, w]"]),
    ("a.yaml", "layers:\n  conv1_1: {params: 1.5}\n", ["conv1_1", "params", "1.5"]),
    ("a.yaml", "layers:\n  conv1_1: {parms: 1}\n", ["conv1_1", "did you mean 'params'"]),
    ("a.yaml", "layers:\n  conv1_1: {params: 1792}\n  conv1_1: {macs: 1}\n",
     ["line 3", "duplicate entry 'conv1_1'", "line 2"]),
    ("a.yaml", "layers:\n  conv1_1:\n    params: 1\n    params: 2\n", ["line 4", "duplicate entry 'params'"]),
    ("a.yaml", "- just\n- a list\n", ["not an answers file", "'layers:'"]),
    ("a.yaml", "layers: [\n", ["YAML syntax error"]),
    ("a.yaml", "layers:\n  conv1_1: !!python/object:os.system {}\n", ["not allowed"]),
    ("a.yaml", b"\x89PNG\r\n\x1a\n\x00\x00", ["cannot read", "YAML or CSV"]),
    ("a.csv", "layer,field,value\nconv1_1,params,1\nconv1_1,params,2\n", ["line 3", "conv1_1", "duplicate"]),
    ("a.csv", "name,params\nconv1_1,1\n", ["line 1", "header"]),
    ("a.csv", "layer,field,value\nconv1_1,params\n", ["line 2", "cells"]),
]


@pytest.mark.parametrize("name,content,words", BAD, ids=[b[2][-1] for b in BAD])
def test_bad_answers_exit_2(name, content, words, tmp_path, cli):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, err = cli("check", "vgg16", path)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("archlens: ")
    assert str(path) in err
    for word in words:
        assert word in err, (word, err)

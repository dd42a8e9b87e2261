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


def _deconv_net():
    """3x5x6 -> conv_transpose k3 s2 p1 output_padding 1: H = (5-1)*2 - 2*1 + 3 + 1 = 10, W = 12."""
    return profile(spec_from_dict({"name": "deconvtest", "input": [3, 5, 6], "layers": [
        {"name": "up", "kind": "conv_transpose", "out_channels": 4, "kernel_size": 3, "stride": 2,
         "padding": 1, "output_padding": 1}]}))


def _spp_net():
    """4x13x13 -> spp {4, 2, 1}: F = 4 * (16 + 4 + 1) = 84."""
    return profile(spec_from_dict({"name": "spptest", "input": [4, 13, 13], "layers": [
        {"name": "spp", "kind": "spp", "levels": [4, 2, 1]}]}))


def _resize_net():
    """FPN's top-down step: 3x50x62 -> conv k3 s2 p1 (fine) 16x25x31 -> again (coarse) 16x13x16
    (floor((25 + 2 - 3)/2) + 1 = 13, 16), upsampled to the fine map: 16x25x31, not 2x13 = 26."""
    conv = {"kind": "conv", "out_channels": 16, "kernel_size": 3, "stride": 2, "padding": 1}
    return profile(spec_from_dict({"name": "resizetest", "input": [3, 50, 62], "layers": [
        {"name": "fine", **conv}, {"name": "coarse", **conv},
        {"name": "up", "kind": "upsample", "inputs": ["coarse", "fine"]}]}))


# (rule, spec, layer, field, the wrong answer worked by hand with that mistake, every slip that
# gives this same number). vgg16: 224 -> pool 112 -> 56; fcn8s (3x375x500, conv1_1 padded by
# 100): fc7 12x16 with field 404, upscore2 21x12x16 -> 21x26x34 (k 4, s 2, no bias, jump 32 -> 16),
# score_pool4 21x36x44; sppnet_zf5: conv5 256 channels, pyramid {6, 3, 2, 1}.
MISTAKES = [
    ("forgot_bias", "vgg16", "conv1_1", "params", 3 * 3 * 3 * 64, ()),                   # 1728
    ("bias_per_input_channel", "vgg16", "conv1_1", "params", 3 * 3 * 3 * 64 + 3, ()),
    ("bias_per_input_channel", "vgg16", "fc6", "params", 25088 * 4096 + 25088, ()),
    ("k_not_squared", "vgg16", "conv2_1", "params", 3 * 64 * 128 + 128, ()),
    ("k_not_squared", "vgg16", "conv1_1", "params", 3 * 3 * 64 + 64, ("forgot_cin",)),  # 640
    ("forgot_cin", "vgg16", "conv2_1", "params", 3 * 3 * 128 + 128, ()),
    ("cout_for_cin", "vgg16", "conv2_1", "params", 3 * 3 * 128 * 128 + 128, ()),       # 147,584
    ("bias_added", "fcn8s", "upscore2", "params", 4 * 4 * 21 * 21 + 21, ()),           # 7,077
    ("kernel_3x3_not_1x1", "vgg16_c", "conv3_3", "params", 3 * 3 * 256 * 256 + 256, ()),  # 590,080
    ("kernel_3x3_not_1x1", "fcn8s", "score_fr", "params", 3 * 3 * 4096 * 21 + 21, ()),
    ("kernel_3x3_not_1x1_macs", "vgg16_c", "conv3_3", "macs", 56 * 56 * 256 * 256 * 3 * 3, ()),
    ("flops_for_macs", "vgg16", "conv1_1", "macs", 2 * 224 * 224 * 64 * 3 * 3 * 3, ()),
    ("macs_with_bias_adds", "vgg16", "conv1_2", "macs",
     224 * 224 * 64 * 64 * 3 * 3 + 224 * 224 * 64, ()),                                  # 1,852,899,328
    ("macs_with_bias_adds", "vgg16", "fc6", "macs", 25088 * 4096 + 4096, ()),            # 102,764,544
    ("macs_per_position_missing", "vgg16", "conv1_2", "macs", 3 * 3 * 64 * 64, ()),
    ("ops_counted_as_macs", "vgg16", "relu1_1", "macs", 64 * 224 * 224, ()),             # ReLU as MACs
    ("window_reads_as_macs", "vgg16", "pool1", "macs", 2 * 2 * 64 * 112 * 112, ()),
    ("channels_last", "vgg16", "conv3_1", "out_shape", [56, 56, 256], ()),
    ("padding_left_out", "vgg16", "conv1_1", "out_shape", [64, 222, 222], ()),          # 224 - 3 + 1
    ("floor_not_ceil", "ceil", "pool", "out_shape", [3, 6, 6], ("output_missing_plus_one",)),
    ("ceil_not_floor", "floor", "pool", "out_shape", [3, 7, 7], ("output_extra_one",)),
    ("output_missing_plus_one", "vgg16", "pool1", "out_shape", [64, 111, 111], ()),
    # stride 1, so rounding cannot matter: 375 + 200 - 3 + 1 = 573 and 500 + 200 - 3 + 1 = 698
    ("output_missing_plus_one", "fcn8s", "conv1_1", "out_shape", [64, 572, 697], ()),
    ("output_extra_one", "vgg16", "conv1_1", "out_shape", [64, 225, 225], ()),
    ("rf_without_jump", "vgg16", "conv2_2", "rf", 1 + 2 + 2 + 1 + 2 + 2, ()),          # 10, not 14
    ("rf_jump_left_out_here", "vgg16", "conv2_2", "rf", 10 + (3 - 1) * 1, ()),         # 12
    ("rf_without_jump", "vgg16", "conv2_1", "rf", 1 + 2 + 2 + 1 + 2, ("rf_jump_left_out_here",)),
    ("deconv_conv_formula", "fcn8s", "upscore2", "out_shape", [21, (12 - 4) // 2 + 1, (16 - 4) // 2 + 1], ()),
    ("deconv_times_stride", "fcn8s", "upscore2", "out_shape", [21, 12 * 2, 16 * 2], ()),  # 21x24x32
    ("deconv_padding_added", "deconv", "up", "out_shape", [4, 4 * 2 + 2 + 3 + 1, 5 * 2 + 2 + 3 + 1], ()),
    ("deconv_output_padding_left_out", "deconv", "up", "out_shape", [4, 4 * 2 - 2 + 3, 5 * 2 - 2 + 3], ()),
    ("deconv_macs_per_output", "fcn8s", "upscore2", "macs", 4 * 4 * 21 * 21 * 26 * 34, ()),
    ("deconv_macs_per_input_missing", "fcn8s", "upscore2", "macs", 4 * 4 * 21 * 21, ()),
    ("deconv_jump_times_stride", "fcn8s", "upscore2", "rf", 404 + (4 - 1) * 32 * 2, ()),
    ("spp_fig3_pyramid", "sppnet_zf5", "spp", "out_shape", [256 * (16 + 4 + 1)], ()),  # 5,376
    ("spp_detection_pyramid", "spp", "spp", "out_shape", [4 * (36 + 9 + 4 + 1)], ()),
    ("spp_n_not_squared", "sppnet_zf5", "spp", "out_shape", [256 * (6 + 3 + 2 + 1)], ()),
    ("spp_forgot_channels", "sppnet_zf5", "spp", "out_shape", [36 + 9 + 4 + 1], ()),
    ("crop_kept_input_size", "fcn8s", "score_pool4c", "out_shape", [21, 36, 44], ()),
    ("crop_reference_channels", "fcn8s", "score", "out_shape", [3, 375, 500], ()),
    ("crop_reference_field", "fcn8s", "score_pool4c", "rf", 404 + (2 - 1) * 32, ()),  # upscore2: two inputs per output
    ("upsample_doubled_not_to_reference", "resize", "up", "out_shape", [16, 2 * 13, 2 * 16], ()),
]

PROFILES = {"ceil": lambda: _pool_net(True), "floor": lambda: _pool_net(False),
            "deconv": _deconv_net, "spp": _spp_net, "resize": _resize_net}


@pytest.fixture(scope="module")
def profiles(vgg16):
    cache = {"vgg16": vgg16}

    def get(name):
        if name not in cache:
            cache[name] = PROFILES[name]() if name in PROFILES else profile(name)
        return cache[name]
    return get


def _ids(cases):
    return [f"{m[0]}-{m[2]}" for m in cases]


@pytest.mark.parametrize("rule,spec,layer,field,answer,also", MISTAKES, ids=_ids(MISTAKES))
def test_each_mistake_is_named(rule, spec, layer, field, answer, also, profiles, tmp_path):
    p = profiles(spec)
    _, verdicts = _verdicts(p, tmp_path, {layer: {field: answer}})
    v = verdicts[(layer, field)]
    assert not v.ok and set(v.rules) == {rule, *also}
    for name in v.rules:
        assert next(r.sentence for r in RULES if r.name == name) in v.diagnosis


def test_every_rule_has_a_case():
    assert {r.name for r in RULES} == {m[0] for m in MISTAKES}


def test_two_slips_giving_one_number_are_both_named(vgg16, tmp_path):
    """VGG-16 conv1_1: C_in = k = 3, so k not squared and C_in forgotten both give 640."""
    _, v = _verdicts(vgg16, tmp_path, {"conv1_1": {"params": 640}})
    diagnosis = v[("conv1_1", "params")].diagnosis
    assert diagnosis.startswith("Two different slips give this same number")
    assert "(1) You" in diagnosis and "(2) You" in diagnosis and "k·C_in·C_out" in diagnosis


# The lines of issue 17 as a student types them, checked through `archlens check`:
# (spec, layer, field, typed text, every slip the report must name).
ISSUE_LINES = [
    ("vgg16", "conv1_2", "macs", "1,852,899,328", ["macs_with_bias_adds"]),
    ("vgg16", "fc6", "macs", "102,764,544", ["macs_with_bias_adds"]),
    ("vgg16", "relu1_1", "macs", "3,211,264", ["ops_counted_as_macs"]),
    ("vgg16", "conv2_1", "params", "147,584", ["cout_for_cin"]),
    ("vgg16", "conv3_1", "out_shape", "56x56x256", ["channels_last"]),
    ("vgg16", "conv2_2", "rf", "12", ["rf_jump_left_out_here"]),
    ("vgg16", "conv1_1", "params", "640", ["k_not_squared", "forgot_cin"]),
    ("vgg16_c", "conv3_3", "params", "590,080", ["kernel_3x3_not_1x1"]),
    ("fcn8s", "score_fr", "params", "774,165", ["kernel_3x3_not_1x1"]),
    ("fcn8s", "upscore2", "params", "7,077", ["bias_added"]),
    ("fcn8s", "upscore2", "out_shape", "21x24x32", ["deconv_times_stride"]),
    ("fcn8s", "conv1_1", "out_shape", "64x572x697", ["output_missing_plus_one"]),
    ("sppnet_zf5", "spp", "out_shape", "5376", ["spp_fig3_pyramid"]),
]


def _blocks(out: str) -> dict[tuple[str, str], str]:
    """(layer, field) -> the verdict line and its diagnosis lines, from the report text."""
    blocks, key = {}, None
    for line in out.splitlines():
        if line[:1] in "✓✗":
            _, layer, field = line.split()[:3]
            key = (layer, field)
            blocks[key] = line
        elif key and line.startswith(" "):
            blocks[key] += "\n" + line.strip()
        else:
            key = None
    return blocks


@pytest.mark.parametrize("spec", sorted({line[0] for line in ISSUE_LINES}))
def test_issue_lines_are_named_by_the_cli(spec, tmp_path, cli):
    lines = [line for line in ISSUE_LINES if line[0] == spec]
    path = _write(tmp_path, "layer,field,value\n" + "".join(
        f'{layer},{field},"{text}"\n' for _, layer, field, text, _ in lines), "answers.csv")
    code, out, err = cli("check", spec, path)
    assert (code, err) == (1, "")
    blocks = _blocks(out)
    sentences = {r.name: r.sentence for r in RULES}
    for _, layer, field, text, rules in lines:
        block = blocks[(layer, field)]
        assert block.startswith("✗") and f"given {text}" in block, block
        named = {name for name, sentence in sentences.items() if sentence in block}
        assert named == set(rules), (layer, field, named)


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

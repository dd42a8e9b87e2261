"""Worksheets: formulas, working and results checked against hand calculations."""
import pytest

from archlens.core.kinds import KINDS
from archlens.core.kinds.args import parse_args
from archlens.core.geometry import RF
from archlens.core.profile import profile
from archlens.render.worksheet_pages import checker_fragment, worksheet_html, worksheet_markdown
from archlens.spec.load import bundled_specs, spec_from_dict
from archlens.teach.worksheet import build_worksheet


@pytest.fixture(scope="module")
def vgg16():
    return profile("vgg16")


def _item(ws, layer, field):
    sheet = next(s for s in ws.layers if s.name == layer)
    return next(i for i in sheet.items if i.field == field)


def test_conv1_1_params_worked(vgg16):
    item = _item(build_worksheet(vgg16), "conv1_1", "params")
    (line,) = item.lines
    assert line.calc.value == 3 * 3 * 3 * 64 + 64 == 1792          # hand calculation
    assert line.calc.working == r"3 \cdot 3 \cdot 3 \cdot 64 + 64"
    assert "k_h" in line.calc.formula and r"C_{out}" in line.calc.formula


def test_fc6_params_and_macs(vgg16):
    ws = build_worksheet(vgg16)
    (params,) = _item(ws, "fc6", "params").lines
    assert params.calc.value == 25088 * 4096 + 4096 == 102_764_544
    assert params.calc.working == r"25{,}088 \cdot 4{,}096 + 4096"
    (macs,) = _item(ws, "fc6", "macs").lines
    assert macs.calc.value == 25088 * 4096


def test_pool1_output_112(vgg16):
    item = _item(build_worksheet(vgg16), "pool1", "out_shape")
    assert [line.calc.value for line in item.lines] == [64, 112]   # H = W merged: square
    assert item.lines[1].symbol == "H_{out} = W_{out}"
    assert item.lines[1].calc.working == r"\left\lfloor \frac{224 + 2 \cdot 0 - 2}{2} \right\rfloor + 1"
    assert item.answer == "64x112x112"


def test_receptive_field_working(vgg16):
    ws = build_worksheet(vgg16)
    (line,) = _item(ws, "conv2_1", "rf").lines   # r = 6 after pool1, jump 2: 6 + 2*2 = 10
    assert line.calc.value == 10 and line.calc.working == r"6 + (3 - 1) \cdot 2"
    assert _item(ws, "fc6", "rf").lines == () and _item(ws, "fc6", "rf").answer == "none"


def test_first_of_each_kind_is_example_and_stages(vgg16):
    ws = build_worksheet(vgg16)
    examples = [s.name for s in ws.layers if s.example]
    assert examples == ["conv1_1", "relu1_1", "pool1", "flatten", "fc6", "drop6"]
    assert [st.title for st in ws.stages][:2] == ["Stage 1 (input 224x224)", "Stage 2 (input 112x112)"]
    assert ws.stages[-1].title == "Head (flat features)" and ws.stages[-1].layers[0].name == "flatten"


@pytest.mark.parametrize("name", sorted(KINDS))
def test_calc_rules_agree_with_shape_and_rf(name):
    """Every kind's shape_calc/rf_calc values equal its shape/rf rules on its examples."""
    kind = KINDS[name]
    for raw, ins in kind.examples:
        a = parse_args(kind.Args, raw)
        out = kind.shape(a, ins)
        assert [c.value for c in kind.shape_calc(a, ins, out)] == list(out)
        in_rfs = [RF((5, 7), (2, 3), (0, 0)) if len(s) == 3 else None for s in ins]
        rf = kind.rf(a, in_rfs)
        calcs = kind.rf_calc(a, in_rfs, rf)
        assert [c.value for c in calcs] == ([] if rf is None else list(rf.size))


def test_worksheet_values_come_from_the_profile(vgg16):
    by_name = {lp.name: lp for lp in vgg16.layers}
    for sheet in build_worksheet(vgg16).layers:
        lp = by_name[sheet.name]
        assert _item_value(sheet, "params") == lp.params.total
        assert _item_value(sheet, "macs") == lp.macs.value


def _item_value(sheet, field):
    return next(i for i in sheet.items if i.field == field).lines[0].calc.value


@pytest.mark.parametrize("name", bundled_specs())
def test_every_bundled_spec_renders(name):
    p = profile(name)
    md, html = worksheet_markdown(p), worksheet_html(p, answers=True)
    assert md.startswith("# Worksheet:")
    assert ("____" in md) == any(not s.example for s in build_worksheet(p).layers)
    for lp in p.layers:
        assert f'id="layer-{lp.name}"' in html
    assert html.rstrip().endswith("</html>") and "<math" in html


def test_blanks_and_answers(vgg16):
    blank = worksheet_markdown(vgg16)
    full = worksheet_markdown(vgg16, answers=True)
    assert "| 36,928 |" in full and "| 36,928 |" not in blank   # conv1_2 params: 3*3*64*64 + 64
    assert "| 1,792 |" in blank                                 # conv1_1: the worked example


def test_fields_option(vgg16):
    md = worksheet_markdown(vgg16, fields=("params",))
    assert "| output shape" not in md and "| receptive field" not in md and "| parameters" in md


def test_html_escapes_user_text():
    evil = "<script>alert(1)</script>"
    spec = spec_from_dict({"name": "evil", "title": evil, "input": [1, 4, 4],
                           "layers": [{"name": "c", "kind": "conv", "out_channels": 1, "kernel_size": 3}]},
                          file="evil.yaml")
    p = profile(spec)
    for html in (worksheet_html(p), worksheet_html(p, answers=True)):
        assert evil not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert html.count("<script") == html.count("</script>")
    fragment = checker_fragment(p)   # shows no title; spec names are identifiers
    assert evil not in fragment and fragment.count("<script") == fragment.count("</script>")
    md = worksheet_markdown(p)
    assert evil not in md and "&#60;script&#62;" in md


def test_checker_fragment_has_no_blank_lines(vgg16):
    frag = checker_fragment(vgg16)
    assert "\n\n" not in frag and 'class="archlens-checker' in frag
    assert 'data-layer="conv1_1" data-field="params"' in frag


def _lines(ws, layer, field):
    return {line.symbol: line.calc for line in _item(ws, layer, field).lines}


def _arithmetic(calc) -> bool:
    """True where the working does a calculation, not just states the result."""
    return any(op in calc.working for op in (r"\cdot", "+", "-", r"\frac"))


def test_fcn8s_crop_offsets_are_worked_from_the_two_fields():
    """FCN-8s (voc-fcn8s/train.prototxt): Crop offsets 5 (score_pool4c), 9 (score_pool3c),
    31 (score). Each is worked as (start of the reference - start of the input) / jump."""
    from latex_arith import evaluate
    p = profile("fcn8s")
    ws = build_worksheet(p)
    for layer, offset in (("score_pool4c", 5), ("score_pool3c", 9), ("score", 31)):
        (calc,) = [c for s, c in _lines(ws, layer, "out_shape").items() if "offset" in s]
        assert calc.value == evaluate(calc.working) == offset and _arithmetic(calc)
        assert p.layer(layer).extra["offset"] == [offset, offset]


def test_fcn8s_deconv_and_crop_fields_follow_from_the_input_field():
    """upscore2 reads fc7's field 404 (FCN paper's conv7); a crop keeps its input's field:
    score_pool4c keeps score_pool4's 100, not the reference's 452."""
    p = profile("fcn8s")
    ws = build_worksheet(p)
    (up,) = _lines(ws, "upscore2", "rf").values()
    assert up.working.startswith("404 + ") and up.value == 404 + (4 - 1) * 32 // 2
    (crop,) = _lines(ws, "score_pool4c", "rf").values()
    assert crop.value == 100 and crop.working == "100" and "r_{in}" in crop.formula
    (h,) = [c for s, c in _lines(ws, "upscore8", "out_shape").items() if s.startswith("H")]
    assert h.value == (54 - 1) * 8 - 2 * 0 + 16 == 440 and _arithmetic(h)


def test_spp_length_is_worked_as_c_times_sum_of_squares():
    """SPPNet ZF-5 (TPAMI Sec. 4.2): 256 channels x (36 + 9 + 4 + 1) bins = 12,800."""
    from latex_arith import evaluate
    ws = build_worksheet(profile("sppnet_zf5"))
    (calc,) = _lines(ws, "spp", "out_shape").values()
    assert calc.value == evaluate(calc.working) == 256 * (36 + 9 + 4 + 1) == 12_800
    assert r"\sum" in calc.formula and _arithmetic(calc)

"""Exact fractions in JSON, one number format per table, fields by phase in table, worksheet, site."""
import json
from fractions import Fraction

import archlens
from archlens.site.fcn_page import field_phases_sentence

# by hand: a transposed conv k=2 with strides (3, 2) on the input grid: jump (1/3, 1/2); the
# nominal centre of output 0 at (p − (k−1)/2)/s = (−1/6, −1/4)
THIRDS = {"name": "thirds", "input": [1, 6, 6], "layers": [
    {"name": "up", "kind": "conv_transpose", "out_channels": 1, "kernel_size": 2, "stride": [3, 2]}]}


def test_json_keeps_exact_fractions(cli, tmp_path):
    path = tmp_path / "thirds.json"
    path.write_text(json.dumps(THIRDS))
    code, out, _ = cli("profile", str(path), "--format", "json")
    assert code == 0
    rf = json.loads(out)["layers"][0]["rf"]
    assert [Fraction(v) for v in rf["exact"]["jump"]] == [Fraction(1, 3), Fraction(1, 2)]
    assert [Fraction(v) for v in rf["exact"]["start"]] == [Fraction(-1, 6), Fraction(-1, 4)]
    assert rf["jump"] == [1 / 3, 0.5]   # the floats stay beside them
    # k = 2 < s: each output reads one input; a field of 1 pixel in every phase
    assert rf["size"] == rf["size_min"] == [1, 1] and rf["phases"] == [3, 2]
    assert rf["phase_sizes"] == [[1, 1, None], [1, 1]]   # phase 2 of 3 receives no tap


def test_table_prints_one_number_format(cli, tmp_path):
    path = tmp_path / "thirds.json"
    path.write_text(json.dumps(THIRDS))
    code, out, _ = cli("profile", str(path))
    row = next(line for line in out.splitlines() if line.startswith("up "))
    assert "1/3x1/2" in row and "-1/6x-1/4" in row and "0.5" not in row
    code, out, _ = cli("profile", "fcn8s")   # all halves: decimals, as before
    assert "-98.5" in out and "-197/2" not in out


def test_table_and_worksheet_say_fields_differ_by_phase(cli):
    code, out, _ = cli("profile", "fcn16s")
    score = next(line for line in out.splitlines() if line.startswith("score "))
    assert "436-468" in score and "RF by phase, 32 phases" in score
    code, out, _ = cli("profile", "fcn32s")
    score = next(line for line in out.splitlines() if line.startswith("score "))
    assert " 436 " in score and "RF by phase" not in score   # 32 phases, all 436 wide
    code, out, _ = cli("worksheet", "fcn16s", "--answers")
    assert "436-468 pixels over 32 phases" in out


def test_fcn_pages_explain_fields_by_phase():
    text = field_phases_sentence(archlens.profile("fcn8s"))
    assert "436 or 468" in text and "upscore2" in text
    assert "exactly 436" in field_phases_sentence(archlens.profile("fcn32s"))
    assert field_phases_sentence(archlens.profile("vgg11")) is None

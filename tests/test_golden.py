"""Rendered output against golden files in tests/golden/ (regenerate: pytest --update-golden).

Every output here is deterministic: pure arithmetic over a bundled spec, no dates, no paths,
no timings; activation MiB is output elements x dtype bytes, the same on every machine. Not
held here: the HTML worksheet (its MathML comes from latex2mathml, whose markup changes between
versions) and rendered SVG (it depends on the Graphviz renderer and its fonts); the DOT source
they are rendered from is held instead.
"""
import pytest
from archlens_testing import check_golden

from archlens.core.profile import profile
from archlens.render.diagram import layer_diagram


@pytest.mark.parametrize("spec", ["vgg16", "fcn8s"])
def test_profile_table(cli, golden, spec):
    code, out, err = cli("profile", spec)
    assert code == 0, err
    golden(f"profile_{spec}.txt", out)


@pytest.mark.parametrize("spec", ["vgg11", "fcn8s"])
def test_worksheet_markdown_with_answers(cli, golden, spec):
    code, out, err = cli("worksheet", spec, "--answers")
    assert code == 0, err
    golden(f"worksheet_{spec}_answers.md", out)


def test_diagram_dot_source(golden):
    golden("diagram_fcn8s.dot", layer_diagram(profile("fcn8s")).source)


def test_golden_mismatch_fails_with_a_diff_and_update_rewrites(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("one\ntwo\n")
    check_golden(path, "one\ntwo\n", update=False)
    with pytest.raises(pytest.fail.Exception) as failure:
        check_golden(path, "one\nthree\n", update=False)
    assert "-two\n+three" in str(failure.value) and "--update-golden" in str(failure.value)
    with pytest.raises(pytest.fail.Exception, match="no golden file"):
        check_golden(tmp_path / "missing.txt", "", update=False)
    check_golden(path, "one\nthree\n", update=True)
    assert path.read_text() == "one\nthree\n"

"""The FCN bad-spec corpus: each file fails with one exact line on stderr and exit code 2."""
import pytest

from conftest import ROOT, run_process

FILES = ["crop_reference_larger", "crop_misaligned", "add_shape_mismatch", "merge_misaligned",
         "deconv_output_padding"]


@pytest.mark.parametrize("name", FILES)
def test_bad_spec_fails_with_one_line(name, cli, monkeypatch):
    monkeypatch.chdir(ROOT)  # messages carry the path as given
    expected = (ROOT / "tests" / "bad_specs" / f"{name}.err").read_text().strip()
    code, out, err = cli("profile", f"tests/bad_specs/{name}.yaml")
    assert (code, out, err) == (2, "", f"archlens: {expected}\n")


def test_bad_spec_as_a_process_has_no_traceback():
    proc = run_process("profile", "tests/bad_specs/merge_misaligned.yaml")
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1
    assert "cannot merge 'score_a' and 'score_b'" in proc.stderr

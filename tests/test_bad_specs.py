"""The bad-spec corpus: each file gives exactly the one-line message in its .err file, exit 2."""

import pytest

from archlens_testing import ROOT, run_process

CORPUS = sorted((ROOT / "tests" / "bad_specs").glob("*.yaml"))


def test_corpus_covers_the_required_cases():
    names = {p.stem for p in CORPUS}
    required = {"yaml_syntax", "empty", "unknown_kind", "misspelt_argument", "missing_argument",
                "wrong_type", "zero_size", "negative_size", "kernel_too_large",
                "channel_mismatch_merge", "duplicate_names", "unknown_input", "cycle", "python_tag",
                "duplicate_argument", "duplicate_top_key", "expected_typo_key", "expected_unknown_key",
                "expected_not_a_mapping", "expected_wrong_type", "train_typo_key", "train_wrong_type"}
    assert required <= names
    assert all(p.with_suffix(".err").is_file() for p in CORPUS)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_bad_spec_gives_its_exact_message(path, cli):
    rel = path.relative_to(ROOT).as_posix()
    expected = path.with_suffix(".err").read_text().strip()
    code, out, err = cli("profile", rel)
    assert code == 2 and out == ""
    assert err.strip() == f"archlens: {expected}"
    assert expected.startswith(rel + ": ")
    assert len(err.strip().splitlines()) == 1


def test_a_duplicate_key_in_a_backbone_names_the_backbone_file_and_line(cli):
    code, out, err = cli("profile", "tests/bad_specs/backbones/uses_duplicate_backbone.yaml")
    assert code == 2 and out == ""
    assert err.strip() == ("archlens: tests/bad_specs/backbones/duplicate_backbone.yaml: line 9: "
                           "duplicate entry 'stride' (first given at line 8)")


def test_no_traceback_in_a_real_process():
    proc = run_process("profile", "tests/bad_specs/python_tag.yaml")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    assert "pwned" not in proc.stdout


def test_python_tag_is_never_executed(tmp_path):
    marker = tmp_path / "ran"
    spec = tmp_path / "evil.yaml"
    spec.write_text(f'input: [3, 8, 8]\nlayers:\n  - !!python/object/apply:os.system ["touch {marker}"]\n')
    proc = run_process("profile", spec)
    assert proc.returncode == 2 and not marker.exists()


def test_unknown_bundled_name_suggests(cli):
    code, _, err = cli("profile", "vgg61")
    assert code == 2 and "unknown spec 'vgg61'; did you mean 'vgg16'?" in err


def test_bad_input_option(cli):
    code, _, err = cli("profile", "vgg16", "--input", "3x0x224")
    assert code == 2 and "--input must look like CxHxW" in err


def test_input_too_small_names_the_layer(cli):
    code, _, err = cli("profile", "vgg16", "--input", "3x16x16")
    assert code == 2 and "layer 'pool5' (maxpool)" in err

"""The FCN bad specs as a user meets them: a separate process, one line, exit code 2.

(tests/test_bad_specs.py compares every file in the corpus with its .err message.)
"""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_process(*args):
    return subprocess.run([sys.executable, "-m", "archlens", *args], capture_output=True, text=True, cwd=ROOT)


@pytest.mark.parametrize("name,words", [
    ("merge_misaligned", "cannot merge 'score_a' and 'score_b': centres do not align"),
    ("crop_misaligned", "cannot crop 'score_a' to 'pool_b'"),
    ("deconv_output_padding", "output_padding 2 (axis h) is impossible"),
])
def test_bad_fcn_spec_as_a_process(name, words):
    proc = run_process("profile", f"tests/bad_specs/{name}.yaml")
    assert proc.returncode == 2 and proc.stdout == "" and proc.stderr.count("\n") == 1
    assert words in proc.stderr and "Traceback" not in proc.stderr

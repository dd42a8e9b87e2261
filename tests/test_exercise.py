"""Exercise sheets hold no answer: no value in the page source, only salted hashes."""
import hashlib
import json
import re

import pytest

from archlens.cli import main
from archlens.core.profile import profile
from archlens.render.exercise import exercise_html, exercise_markdown
from archlens.teach.worksheet import expected

# VGG-16 answers worked by hand (3x3 convs, padding 1): conv1_2 3*3*64*64+64, conv3_1
# 3*3*128*256+256, fc6 25088*4096+4096, its MACs 25088*4096, pool5's field 212 (torchvision).
HAND = ["36928", "36,928", "295168", "295,168", "102764544", "102,764,544", "102760448",
        "512x7x7", "256x56x56", "128x112x112", "1849688064", "1,849,688,064"]


def _leaks(page: str, p) -> list[str]:
    """Every computed answer of 3+ digits found as a whole token in the page (values the
    spec's arguments state, such as out_features 4096, are the question, not an answer)."""
    given = {str(v) for layer in p.spec.layers for v in layer.raw.values()}
    page = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    tokens = set(re.findall(r"(?<![\w.])\d(?:[\dx,]*\d)?(?![\w.])", page))  # 36,928 512x7x7
    found = []
    for lp in p.layers:
        for field, value in expected(lp).items():
            if value == "none" or value in given:
                continue
            forms = {value, f"{int(value):,}"} if value.isdigit() else {value}
            found += [f"{lp.name}.{field}={v}" for v in forms if len(v) >= 3 and v in tokens]
    return found


@pytest.mark.parametrize("spec", ["vgg16", "fcn8s"])
def test_no_answer_in_the_page_source(spec):
    p = profile(spec)
    for page in (exercise_html(p), exercise_markdown(p)):
        assert _leaks(page, p) == []
        if spec == "vgg16":
            assert [v for v in HAND if v in page] == []


def test_hashed_key_marks_the_right_answer():
    p = profile("vgg16")
    page = exercise_html(p)
    key = json.loads(re.search(r'class="al-hashed-key">(.*?)</script>', page, re.S).group(1))
    salt = key["salt"]
    right = hashlib.sha256(f"{salt}|conv1_2|params|36928".encode()).hexdigest()   # by hand
    assert right in key["layers"]["conv1_2"]["fields"]["params"]["accept"]
    forgot_bias = hashlib.sha256(f"{salt}|conv1_2|params|36864".encode()).hexdigest()
    assert [w[1] for w in key["layers"]["conv1_2"]["fields"]["params"]["wrong"]
            if w[0] == forgot_bias] == ["forgot_bias"]
    assert exercise_html(profile("vgg16", input=(3, 64, 64))).find(salt) == -1  # per-sheet salt


def test_cli_exercise(capsys):
    assert main(["worksheet", "vgg11", "--exercise"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Exercise:") and "____" in out and "= 1,792" not in out
    assert main(["worksheet", "vgg11", "--exercise", "--answers"]) == 2
    assert "exclude each other" in capsys.readouterr().err

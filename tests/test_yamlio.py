"""The one YAML loader: plain data as YAML defines it, duplicate keys refused with their lines."""
import datetime

import pytest

from archlens.spec import yamlio
from archlens.errors import SpecError


@pytest.mark.parametrize("text,data", [
    ("a: 1\nb: [x, 2.5, true, null]\n", {"a": 1, "b": ["x", 2.5, True, None]}),
    ("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n", {"base": {"x": 1, "y": 2}, "d": {"x": 1, "y": 3}}),
    ("a: &l [1, 2]\nb: *l\n", {"a": [1, 2], "b": [1, 2]}),
    ("1: int\n'1': str\n", {1: "int", "1": "str"}),
    ("when: 2001-12-14\nhex: 0x1F\n", {"when": datetime.date(2001, 12, 14), "hex": 31}),
    ("s: !!set {x, y}\n", {"s": {"x", "y"}}),
])
def test_plain_data_as_yaml_defines_it(text, data):
    assert yamlio.parse(text, "x.yaml") == data


@pytest.mark.parametrize("text,message", [
    ("a: 1\nb: 2\na: 3\n", "x.yaml: line 3: duplicate entry 'a' (first given at line 1)"),
    ("l:\n  - k: 1\n    j: 2\n    k: 3\n", "x.yaml: line 4: duplicate entry 'k' (first given at line 2)"),
    ("o: !!omap [{x: 1}, {y: {z: 1, z: 2}}]\n", "x.yaml: line 1: duplicate entry 'z' (first given at line 1)"),
    ("a: !!python/name:os.system\n", "x.yaml: line 1: YAML tag '!!python/name:os.system' is not allowed"),
])
def test_duplicates_and_tags_are_refused_with_their_line(text, message):
    with pytest.raises(SpecError) as err:
        yamlio.parse(text, "x.yaml")
    assert str(err.value).startswith(message)


def test_answers_and_specs_share_the_loader():
    text = "layers:\n  conv1:\n    params: 1\n    params: 2\n"
    for read in (lambda: yamlio.parse(text, "a.yaml"), lambda: yamlio.parse_with_lines(text, "a.yaml")):
        with pytest.raises(SpecError, match=r"^a\.yaml: line 4: duplicate entry 'params' \(first given at line 3\)$"):
            read()

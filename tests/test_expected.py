"""The expected: section is checked when the spec loads: known keys, their forms, real layers."""
import pytest

from archlens.errors import SpecError
from archlens.spec.load import spec_from_dict

NET = {"input": [3, 16, 16], "layers": [{"name": "conv1", "kind": "conv", "out_channels": 8,
                                         "kernel_size": 3}, {"name": "crop", "kind": "relu"}]}


def load(expected):
    return spec_from_dict({**NET, "expected": expected}, file="net.yaml")


def test_every_known_field_in_its_form_loads():
    expected = {"params": 224, "trainable_params": 224, "macs": 42_336,
                "offsets": {"crop": [0, 0]}, "rf": {"conv1": {"size": 3, "jump": 1}}}
    assert load(expected).expected == expected
    assert load(None).expected == {}


@pytest.mark.parametrize("expected,message", [
    ({"macs": -1}, "expected.macs must be a non-negative integer, got -1"),
    ({"params": True}, "expected.params must be a non-negative integer, got True"),
    ({"offsets": [5, 5]}, "expected.offsets must be a mapping {crop layer: [y, x]}, got [5, 5]"),
    ({"offsets": {"crop": [5]}}, "expected.offsets.crop must be [y, x] of non-negative integers, got [5]"),
    ({"offsets": {"corp": [5, 5]}}, "expected.offsets: 'corp' names no layer; did you mean 'crop'?"),
    ({"rf": {"conv1": 3}}, "expected.rf.conv1 must be a mapping with 'size' (and optional 'jump'), got 3"),
    ({"rf": {"conv1": {"size": 3, "jupm": 1}}},
     "expected.rf.conv1: unknown key 'jupm'; did you mean 'jump'? (known: size, jump)"),
    ({"rf": {"conv1": {"size": "3"}}}, "expected.rf.conv1.size must be a positive number, got '3'"),
])
def test_bad_forms_name_the_key_and_the_value(expected, message):
    with pytest.raises(SpecError) as err:
        load(expected)
    assert str(err.value) == f"net.yaml: {message}"

"""The single traversal: topological order stable in spec order, cycles named by their layers."""
import pytest

import archlens
from archlens.errors import SpecError
from archlens.core.graph import order
from archlens.render.formats import to_dict
from archlens.spec.load import spec_from_dict


def chain(n: int, reverse: bool = False) -> dict:
    """conv 1x1 / relu alternating, each naming its input; optionally listed last to first."""
    layers = []
    for i in range(n):
        kind = {"kind": "conv", "out_channels": 4, "kernel_size": 1} if i % 2 == 0 else {"kind": "relu"}
        layers.append({"name": f"l{i}", "inputs": "input" if i == 0 else f"l{i - 1}", **kind})
    return {"name": "chain", "input": [4, 8, 8], "layers": layers[::-1] if reverse else layers}


def names(doc: dict) -> list[str]:
    return [node.name for node in order(spec_from_dict(doc))]


def test_reversed_chain_profiles_exactly_as_the_chain_in_order():
    n = 300
    forward, backward = archlens.profile(chain(n)), archlens.profile(chain(n, reverse=True))
    assert [lp.name for lp in backward.layers] == [f"l{i}" for i in range(n)]
    assert to_dict(backward) == to_dict(forward)


def test_ready_layers_come_in_spec_order_not_depth_first():
    doc = {"input": [3, 8, 8], "layers": [
        {"name": "p", "kind": "relu", "inputs": "input"},
        {"name": "q", "kind": "relu", "inputs": "input"},
        {"name": "r", "kind": "relu", "inputs": "p"}]}
    assert names(doc) == ["p", "q", "r"]


def test_a_layer_waits_for_its_last_input():
    doc = {"input": [3, 8, 8], "layers": [
        {"name": "d", "kind": "add", "inputs": ["b", "c"]},
        {"name": "b", "kind": "relu", "inputs": "a"},
        {"name": "a", "kind": "relu", "inputs": "input"},
        {"name": "c", "kind": "relu", "inputs": "a"}]}
    assert names(doc) == ["a", "b", "c", "d"]


def test_the_same_input_twice_is_one_dependency():
    doc = {"input": [3, 8, 8], "layers": [
        {"name": "twice", "kind": "add", "inputs": ["a", "a"]},
        {"name": "a", "kind": "relu", "inputs": "input"}]}
    assert names(doc) == ["a", "twice"]


def test_a_cycle_names_its_layers_and_not_those_downstream():
    doc = {"input": [3, 8, 8], "layers": [
        {"name": "x", "kind": "relu", "inputs": "b"},
        {"name": "a", "kind": "relu", "inputs": "c"},
        {"name": "b", "kind": "add", "inputs": ["a", "input"]},
        {"name": "c", "kind": "relu", "inputs": "b"}]}
    with pytest.raises(SpecError) as err:
        order(spec_from_dict(doc, "cyc.yaml"))
    assert str(err.value) == "cyc.yaml: layer 'a' (relu): inputs form a cycle among layers a, b, c"


def test_a_cycle_in_a_long_reversed_chain_is_still_found():
    doc = chain(200, reverse=True)
    doc["layers"][-1]["inputs"] = "l150"  # l0 now reads l150, which depends on l0
    with pytest.raises(SpecError) as err:
        order(spec_from_dict(doc))
    in_spec_order = ", ".join(f"l{i}" for i in range(150, -1, -1))
    assert str(err.value).endswith(f"layer 'l150' (conv): inputs form a cycle among layers {in_spec_order}")

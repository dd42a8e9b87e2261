"""Every registered kind, through every example it declares, against torch and the peers.

Parametrized over the registry: adding a kind adds its cases here without editing this file.
"""
import pytest

import archlens
from archlens.kinds import KINDS, register
from archlens.kinds.registry import Kind

CASES = [(name, i) for name, kind in sorted(KINDS.items()) for i in range(len(kind.examples))]


def example_spec(name: str, index: int) -> dict:
    """A spec running one kind example: 1x1 convs make each input of a merge."""
    args, ins = KINDS[name].examples[index]
    layer = {"name": "under_test", "kind": name, **args}
    if len(ins) == 1:
        return {"name": f"{name}_{index}", "input": list(ins[0]), "layers": [layer]}
    sources = [{"name": f"src{i}", "kind": "conv", "out_channels": s[0], "kernel_size": 1,
                "inputs": ["input"]} for i, s in enumerate(ins)]
    layer["inputs"] = [s["name"] for s in sources]
    return {"name": f"{name}_{index}", "input": [1, *ins[0][1:]], "layers": [*sources, layer]}


def test_every_kind_has_examples():
    assert all(kind.examples for kind in KINDS.values())


@pytest.mark.parametrize("name,index", CASES)
def test_kind_example_agrees_with_torch_and_peers(name, index):
    report = archlens.verify(archlens.load_spec(example_spec(name, index)))
    assert report.ok, [c for c in report.failures]
    quantities = {c.quantity for c in report.checks if c.layer == "under_test"}
    assert {"params", "shape", "macs", "torchinfo mult-adds", "fvcore flops"} <= quantities


@pytest.mark.parametrize("name,index", CASES)
def test_kind_example_flops_cover_macs(name, index):
    lp = archlens.profile(example_spec(name, index)).layer("under_test")
    assert lp.flops.value >= 2 * lp.macs.value >= 0
    assert lp.macs.formula is not None and lp.params.weight.value + lp.params.bias.value == lp.params.total


def test_duplicate_registration_raises():
    with pytest.raises(ValueError, match="registered twice"):
        register("conv")(type("Again", (Kind,), {}))


def test_unknown_kind_lists_known_kinds():
    with pytest.raises(archlens.SpecError) as err:
        archlens.load_spec({"input": [3, 8, 8], "layers": [{"name": "a", "kind": "convv", "out_channels": 1}]})
    msg = str(err.value)
    assert "unknown kind 'convv'; did you mean 'conv'?" in msg and "maxpool" in msg

"""Every registered kind, through every example it declares, against torch and the peers.

Parametrized over the registry: adding a kind adds its cases here without editing this file.
Every ``Calc.working`` must evaluate to its ``Calc.value``.
"""
from fractions import Fraction

import pytest
from latex_arith import evaluate

import archlens
from archlens.geometry import RF
from archlens.kinds import KINDS, register
from archlens.kinds.args import parse_args
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


# Receptive fields fed to rf_calc: none, whole, and fractional (after a deconvolution).
IN_RFS = [RF.identity(), RF((5, 7), (2, 3), (0, 0)),
          RF((Fraction(7, 2), 9), (Fraction(1, 2), Fraction(3, 4)), (Fraction(1, 4), 0))]


def kind_calcs(kind, a, ins, out, rf_sets):
    """(label, Calc) for every worked quantity of one layer: params, MACs, FLOPs, shape, RF."""
    p = kind.params(a, ins)
    calcs = [("weight", p.weight), ("bias", p.bias), ("macs", kind.macs(a, ins, out)),
             ("flops", kind.flops(a, ins, out))]
    calcs += [(f"shape[{i}]", c) for i, c in enumerate(kind.shape_calc(a, ins, out))]
    for in_rfs in rf_sets:
        calcs += [(f"rf[{i}] from {in_rfs}", c)
                  for i, c in enumerate(kind.rf_calc(a, in_rfs, kind.rf(a, in_rfs)))]
    return calcs


@pytest.mark.parametrize("name,index", CASES)
def test_kind_example_workings_evaluate_to_their_values(name, index):
    kind = KINDS[name]
    raw, ins = kind.examples[index]
    a = parse_args(kind.Args, raw)
    rf_sets = [[rf if len(s) == 3 else None for s in ins] for rf in IN_RFS]
    for label, calc in kind_calcs(kind, a, ins, kind.shape(a, ins), rf_sets):
        assert evaluate(calc.working) == calc.value, f"{name} {label}: {calc}"


@pytest.mark.parametrize("spec", archlens.bundled_specs())
def test_bundled_spec_workings_evaluate_to_their_values(spec):
    """At full size (thousands separators, FCN's fractional jumps) with the profile's own fields."""
    from archlens.worksheet import input_rfs
    p = archlens.profile(spec)
    for lp in p.layers:
        kind, a = KINDS[lp.kind], p.spec.layer(lp.name).args
        calcs = kind_calcs(kind, a, list(lp.in_shapes), lp.out_shape, [input_rfs(p, lp)])
        for label, calc in calcs:
            assert evaluate(calc.working) == calc.value, f"{lp.name} ({lp.kind}) {label}: {calc}"


def test_duplicate_registration_raises():
    with pytest.raises(ValueError, match="registered twice"):
        register("conv")(type("Again", (Kind,), {}))


def test_unknown_kind_lists_known_kinds():
    with pytest.raises(archlens.SpecError) as err:
        archlens.load_spec({"input": [3, 8, 8], "layers": [{"name": "a", "kind": "convv", "out_channels": 1}]})
    msg = str(err.value)
    assert "unknown kind 'convv'; did you mean 'conv'?" in msg and "maxpool" in msg

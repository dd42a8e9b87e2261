"""Every registered kind, through every example it declares, against torch and the peers.

Parametrized over the registry: adding a kind adds its cases here without editing this file.
FLOPs are held against an oracle per counting convention (each kind's ``flops_convention``
trait), computed from what torch runs: FlopCounterMode, the output tensor, and which input
elements each output reads. Every ``Calc.working`` must evaluate to its ``Calc.value``.
"""
from dataclasses import dataclass
from fractions import Fraction

import pytest
import torch
from latex_arith import evaluate
from torch.utils.flop_counter import FlopCounterMode

import archlens
from archlens.core.geometry import RF
from archlens.core.kinds import KINDS, register
from archlens.core.kinds.args import parse_args
from archlens.core.kinds.registry import FLOPS_CONVENTIONS, Kind

CASES = [(name, i) for name, kind in sorted(KINDS.items()) for i in range(len(kind.examples))]


def example_spec(name: str, index: int) -> dict:
    """A spec running one kind example: 1x1 convs make each input of a merge."""
    args, ins = KINDS[name].examples[index]
    layer = {"name": "under_test", "kind": name, **args}
    if len(ins) == 1:
        return {"name": f"{name}_{index}", "input": list(ins[0]), "layers": [layer]}
    hw = [max(s[ax] for s in ins) for ax in (1, 2)] if len(ins[0]) == 3 else []
    sources = []
    for i, s in enumerate(ins):   # a smaller map (broadcast over positions) is pooled to size
        sources.append({"name": f"src{i}", "kind": "conv", "out_channels": s[0], "kernel_size": 1,
                        "inputs": ["input"]})
        if list(s[1:]) != hw:
            sources.append({"name": f"src{i}_pooled", "kind": "adaptive_avgpool",
                            "output_size": list(s[1:])})
    layer["inputs"] = [s["name"] for s in sources if s["kind"] == "adaptive_avgpool"
                       or f"{s['name']}_pooled" not in {t["name"] for t in sources}]
    return {"name": f"{name}_{index}", "input": [1, *hw], "layers": [*sources, layer]}


def test_every_kind_has_examples():
    assert all(kind.examples for kind in KINDS.values())


@pytest.mark.parametrize("name,index", CASES)
def test_kind_example_agrees_with_torch_and_peers(name, index):
    report = archlens.verify(archlens.load_spec(example_spec(name, index)))
    assert report.ok, [c for c in report.failures]
    quantities = {c.quantity for c in report.checks if c.layer == "under_test"}
    assert {"params", "shape", "macs", "torchinfo mult-adds", "fvcore flops"} <= quantities


@dataclass
class Run:
    """One forward pass of an example's layer, batch 1, in eval mode (inference, as we count)."""
    module: torch.nn.Module
    inputs: tuple            # the tensors the layer received, batch axis first
    output: torch.Tensor
    torch_flops: int         # FlopCounterMode's count for the layer alone


def run_example(name: str, index: int) -> Run:
    spec = archlens.load_spec(example_spec(name, index))
    model = archlens.build_model(spec).eval()
    seen = {}
    hook = model.under_test.register_forward_hook(lambda m, i, o: seen.update(inputs=i))
    with torch.no_grad():
        model(torch.randn(1, *spec.input, generator=torch.Generator().manual_seed(0)))
    hook.remove()
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        output = model.under_test(*seen["inputs"])
    return Run(model.under_test, seen["inputs"], output, counter.get_total_flops())


def reads_per_output(run: Run) -> torch.Tensor:
    """How many input elements each output element reads, found by torch: one batch item per
    input element, that element set to +inf; an output reads it iff the output becomes inf."""
    reads = torch.zeros(run.output[0].numel(), dtype=torch.long)
    for k, x in enumerate(run.inputs):
        n = x[0].numel()
        batch = [t.expand(n, *t.shape[1:]).clone() for t in run.inputs]
        batch[k].view(n, n)[torch.arange(n), torch.arange(n)] = float("inf")
        with torch.no_grad():
            reads += torch.isinf(run.module(*batch)).reshape(n, -1).sum(0)
    return reads


def _bias_adds(run: Run) -> int:
    """One add per output element where the torch module has a bias (FlopCounterMode counts none)."""
    return run.output[0].numel() if getattr(run.module, "bias", None) is not None else 0


# One oracle per FLOPS_CONVENTIONS entry, each from torch's tensors, never from the kind's rule
# (per_element takes only the declared per-element count, the convention itself, from the kind).
FLOPS_ORACLES = {
    "macs": lambda kind, a, ins, run: run.torch_flops + _bias_adds(run),
    "per_element": lambda kind, a, ins, run: run.output[0].numel() * kind.ops_per_element(a, ins),
    "window_max": lambda kind, a, ins, run: int((reads_per_output(run) - 1).sum()),
    "window_mean": lambda kind, a, ins, run: int(reads_per_output(run).sum()),
    "none": lambda kind, a, ins, run: 0,
}


def test_every_flops_convention_has_an_oracle():
    assert set(FLOPS_ORACLES) == set(FLOPS_CONVENTIONS), (
        "each FLOPS_CONVENTIONS entry needs an oracle in tests/test_kinds.py FLOPS_ORACLES")


@pytest.mark.parametrize("name,index", CASES)
def test_kind_example_flops_match_their_convention_oracle(name, index):
    kind = KINDS[name]
    convention = kind.flops_convention
    assert convention in FLOPS_CONVENTIONS, (
        f"kind '{name}' declares flops_convention {convention!r}: declare one of "
        f"{sorted(FLOPS_CONVENTIONS)} (archlens/core/kinds/registry.py), or add a new convention "
        f"there and its oracle to FLOPS_ORACLES in tests/test_kinds.py")
    raw, ins = kind.examples[index]
    a = parse_args(kind.Args, raw)
    lp = archlens.profile(example_spec(name, index)).layer("under_test")
    run = run_example(name, index)
    assert lp.flops.value == FLOPS_ORACLES[convention](kind, a, ins, run), lp.flops
    if convention == "macs":   # torch counts 2 per MAC and no bias adds
        assert run.torch_flops > 0 and 2 * lp.macs.value == run.torch_flops
    else:                      # no matrix product or convolution hides in the other kinds
        assert run.torch_flops == 0 and lp.macs.value == 0


@pytest.mark.parametrize("module,size,reads", [
    (torch.nn.MaxPool2d(2), 4, [4] * 4),                # 2x2 windows: 4 elements each
    (torch.nn.AdaptiveAvgPool2d(2), 5, [9] * 4),        # 5 -> 2 bins, [0, 3) and [2, 5): 3·3 each
    (torch.nn.MaxPool2d(3, 2, padding=1), 3, [4] * 4),  # each padded 3x3 window holds 2x2 inputs
])
def test_window_reads_probe_against_hand_counts(module, size, reads):
    x = torch.randn(1, 2, size, size)
    run = Run(module, (x,), module(x), 0)
    assert reads_per_output(run).tolist() == reads * 2   # two channels, read apart


# Receptive fields fed to rf_calc: the identity, whole, and fractional (after a deconvolution).
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
        calcs += [(f"fact {symbol} from {in_rfs}", c)
                  for symbol, c in kind.worked_facts(a, ins, in_rfs)]
    return calcs


@pytest.mark.parametrize("name,index", CASES)
def test_kind_example_workings_evaluate_to_their_values(name, index):
    kind = KINDS[name]
    raw, ins = kind.examples[index]
    a = parse_args(kind.Args, raw)
    rf_sets = [[rf if len(s) == 3 else None for s in ins] for rf in IN_RFS]
    for label, calc in kind_calcs(kind, a, ins, kind.shape(a, ins), rf_sets):
        assert evaluate(calc.working) == calc.value, f"{name} {label}: {calc}"


@pytest.mark.parametrize("name,index", CASES)
def test_kind_counts_are_its_params_macs_and_flops(name, index):
    """``counts`` (what the profile calls) gives what the three methods give, working included."""
    kind = KINDS[name]
    raw, ins = kind.examples[index]
    a = parse_args(kind.Args, raw)
    out = kind.shape(a, ins)
    assert kind.counts(a, ins, out) == (kind.params(a, ins), kind.macs(a, ins, out),
                                        kind.flops(a, ins, out))


@pytest.mark.parametrize("spec", archlens.bundled_specs())
def test_bundled_spec_workings_evaluate_to_their_values(spec):
    """At full size (thousands separators, FCN's fractional jumps) with the profile's own fields."""
    from archlens.teach.worksheet import input_rfs
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


def test_a_new_weighted_kind_gets_the_weight_mistakes_without_editing_mistakes():
    from archlens.core.kinds.dense import Linear
    from archlens.core.profile import profile
    from archlens.teach.mistakes import rule_inputs, wrong_answers

    def diagnoses(kind: str, field: str) -> list[tuple[str, str]]:
        p = profile(archlens.load_spec({"name": "t", "input": [12], "layers": [
            {"name": "fc", "kind": kind, "out_features": 7}]}))
        return [(text, rule.name) for text, rule in wrong_answers(rule_inputs(p)["fc"], field)]

    register("test_dense")(type("TestDense", (Linear,), {"weighted": True}))
    try:
        for field in ("params", "macs"):
            assert diagnoses("test_dense", field) == diagnoses("linear", field)
        assert {"bias_per_input_channel", "forgot_cin"} <= {r for _, r in diagnoses("test_dense", "params")}
        assert [r for _, r in diagnoses("test_dense", "macs")] == ["flops_for_macs", "macs_with_bias_adds"]
        KINDS["test_dense"].weighted = False  # the trait alone decides
        assert [r for _, r in diagnoses("test_dense", "params")] == ["forgot_bias"]
        assert diagnoses("test_dense", "macs") == []
    finally:
        del KINDS["test_dense"]


def test_every_kind_has_a_mistake_catalogue_and_a_new_kind_gets_the_default():
    from archlens.core.kinds.mistakes import COMMON, FIELDS, WEIGHTED, WINDOWED
    for name, kind in KINDS.items():
        rules = kind.mistakes()
        assert rules[:len(COMMON)] == COMMON and all(r.field in FIELDS for r in rules), name
        assert (set(WEIGHTED) <= set(rules)) == kind.weighted, name
        assert (set(WINDOWED) <= set(rules)) == kind.windowed, name
    for name in ("conv_transpose", "crop", "spp"):
        assert KINDS[name].own_mistakes, name
    register("test_plain")(type("TestPlain", (Kind,), {}))
    try:
        assert KINDS["test_plain"].mistakes() == COMMON
    finally:
        del KINDS["test_plain"]


@pytest.mark.parametrize("spec", archlens.bundled_specs())
def test_every_mistake_rule_runs_on_every_bundled_layer(spec):
    """Each rule gives a wrong answer or None on every layer, never an exception, and each
    wrong answer is one a student can type (it reads back as itself)."""
    from archlens.teach.answers import canonical
    from archlens.teach.checker import answer_key
    p = archlens.profile(spec)
    for layer, fields in answer_key(p).items():
        dims = len(p.layer(layer).out_shape)
        for field, key in fields.items():
            assert all(canonical(field, text, dims) == text for text, _, _ in key.wrong), (layer, field)

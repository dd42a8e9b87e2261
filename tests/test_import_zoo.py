"""The import test zoo (tests/zoo_models.py, plain torch from the papers), each model held
against torch itself: parameters against ``sum(p.numel())`` and the published counts, MACs
against ``FlopCounterMode`` / 2, every module layer's shape against forward hooks on the
original model, and the round trip: the built spec, loaded with the original ``state_dict``,
gives the same outputs. Counts and shapes run on the meta device; numbers at 3x64x64.
"""
import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode

import archlens
import zoo_models as zoo
from archlens.core.kinds import KINDS
from archlens.importers.section import module_paths
from archlens.importers.weights import spec_state_dict

SMALL = (3, 64, 64)
# factory, published parameter count (1000 classes), kinds it needs beyond the original ones
ZOO = {
    "alexnet": (zoo.alexnet, 61_100_840, ()),          # torchvision's one-GPU AlexNet
    "resnet18": (zoo.resnet18, 11_689_512, ()),
    "resnet50": (zoo.resnet50, 25_557_032, ()),
    "mobilenet_v2": (zoo.MobileNetV2, 3_504_872, ("relu6", "mean")),
    "squeezenet1_1": (zoo.squeezenet1_1, 1_235_496, ()),
    "unet": (zoo.UNet, None, ("upsample",)),
    "squeeze_excitation": (zoo.SqueezeExcitation, None, ("sigmoid", "mul")),
    "fpn": (zoo.FPN, None, ("upsample",)),
}


def _needs(name):
    missing = [k for k in ZOO[name][2] if k not in KINDS]
    return pytest.param(name, marks=pytest.mark.skipif(
        bool(missing), reason=f"needs the kinds {missing} (kinds / rfexact helpers)"))


NAMES = [_needs(name) for name in ZOO]
_SPECS = {}


def meta_model(name):
    with torch.device("meta"):
        return ZOO[name][0]().eval()


def imported(name):
    if name not in _SPECS:
        _SPECS[name] = archlens.from_module(meta_model(name), input=SMALL, name=name)
    return _SPECS[name]


@pytest.mark.parametrize("name", NAMES)
def test_params_equal_torch_and_the_published_count(name):
    model, published = meta_model(name), ZOO[name][1]
    ours = archlens.profile(imported(name)).totals.params
    assert ours == sum(p.numel() for p in model.parameters())
    if published is not None:
        assert ours == published


@pytest.mark.parametrize("name", NAMES)
def test_macs_equal_flop_counter_mode_halved(name):
    counter = FlopCounterMode(display=False)
    with counter:
        meta_model(name)(torch.empty(1, *SMALL, device="meta"))
    prof = archlens.profile(imported(name))
    assert not prof.totals.uncounted
    assert 2 * prof.totals.macs == counter.get_total_flops()


@pytest.mark.parametrize("name", NAMES)
def test_every_module_layer_has_the_shape_torch_gives(name):
    assert_shapes_are_torchs(name, imported(name), SMALL)


def assert_shapes_are_torchs(name, spec, size):
    """Every module's output shape, by forward hooks on the original model at ``size``, is
    the profile's shape of the layer it became (the profile of ``spec`` at ``size``)."""
    model, seen = meta_model(name), {}
    for path, module in model.named_modules():
        module.register_forward_hook(lambda m, i, o, path=path: seen.setdefault(path, []).append(
            tuple(o.shape[1:])))
    out = model(torch.empty(2, *size, device="meta"))
    paths = module_paths(spec)
    ours = {}
    prof = archlens.profile(spec, input=size)
    for lp in prof.layers:
        path = paths.get(lp.name, lp.name)
        if path in seen:
            ours.setdefault(path, []).append(tuple(lp.out_shape))
    leaves = {p for p, m in model.named_modules() if not list(m.children())}
    assert leaves <= set(ours), leaves - set(ours)      # every leaf module is a layer
    assert all(ours[p] == seen[p] for p in ours), [p for p in ours if ours[p] != seen[p]]
    assert prof.layers[-1].out_shape == tuple(out.shape[1:])


def real_model(name):
    """The model with random weights and non-trivial batch-norm statistics (so a mis-wired
    norm cannot pass), made on the meta device and filled: no init of 61M weights."""
    model = meta_model(name).to_empty(device="cpu")
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for key, t in model.state_dict().items():
            if not t.is_floating_point():
                t.zero_()
            elif key.endswith(("running_var", "bn1.weight")) or t.dim() == 1 and "bn" in key:
                t.copy_(torch.rand(t.shape, generator=g) + 0.5)
            elif t.dim() > 1:
                t.copy_(torch.randn(t.shape, generator=g) / t[0].numel() ** 0.5)
            else:
                t.copy_(torch.randn(t.shape, generator=g) * 0.1)
    return model.eval()


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_same_outputs_from_the_original_weights(name):
    assert_round_trip(name, imported(name), SMALL)


def assert_round_trip(name, spec, size):
    """The spec built at ``size`` with the original ``state_dict`` gives the original's output."""
    model = real_model(name)
    with torch.device("meta"):
        built = archlens.build_model(spec, input=size).eval()
    built.load_state_dict(spec_state_dict(spec, model.state_dict()), strict=True, assign=True)
    assert sum(p.numel() for p in built.parameters()) == sum(p.numel() for p in model.parameters())
    x = torch.randn(2, *size, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        expected, got = model(x), built(x)
    assert got.shape == expected.shape and expected.abs().max() > 0
    assert torch.allclose(got, expected, atol=1e-5, rtol=1e-5), (got - expected).abs().max()


# not divisible by 8: the FPN's top-down step goes 13 -> 25 rows (a scale of 2 would give 26)
ODD = (3, 100, 124)


def test_the_fpn_imported_at_an_input_not_divisible_by_8_is_torchs():
    spec = archlens.from_module(meta_model("fpn"), input=ODD, name="fpn")
    assert_shapes_are_torchs("fpn", spec, ODD)
    assert_round_trip("fpn", spec, ODD)


def test_the_fpn_upsamples_to_its_reference_so_one_import_holds_at_any_size():
    """Imported at 64x64 (divisible by 8), profiled and built at 100x124: exact there too."""
    spec = imported("fpn")
    assert [l.inputs for l in spec.layers if l.kind == "upsample" and not l.args.scale_factor] \
        == [("lateral_2", "stages_1_1")]    # F.interpolate(p3, size=c2.shape[-2:])
    assert_shapes_are_torchs("fpn", spec, ODD)
    assert_round_trip("fpn", spec, ODD)


@pytest.mark.parametrize("name", [_needs(n) for n in ("squeeze_excitation", "unet")])
def test_small_models_pass_verify_fields_included(name):
    """verify: torch shapes, params, MACs, and each receptive field against the gradient
    footprint (the large models' fields need inputs too large for a quick test). Not the FPN:
    its second upsampling is by a fixed factor of 2 (the model's own code), so it runs only at
    inputs whose half is even, and verify's footprint input is a size of its own."""
    report = archlens.verify(archlens.from_module(meta_model(name), input=(3, 16, 16)), peers=False)
    assert report.ok, report.failures
    assert any(c.quantity == "rf" for c in report.checks)


@pytest.mark.parametrize("name", [_needs(n) for n in ("alexnet", "resnet18", "resnet50",
                                                       "mobilenet_v2", "squeezenet1_1")])
def test_last_maps_field_is_the_gradient_footprint(name):
    """The large models' last spatial map: its printed field, and the exact extent of one unit
    per phase, against the gradient footprint of the built model (verify's method, thinned:
    fields do not depend on width) on an input where no field is clipped."""
    from archlens.verification.oracle import rf_checks
    spec = archlens.from_module(meta_model(name), input=(3, 224, 224))
    prof = archlens.profile(spec)
    last = [lp.name for lp in prof.layers if lp.rf is not None and len(lp.out_shape) == 3][-1]
    checks = rf_checks(spec, prof, layers=[last])
    assert {c.quantity for c in checks} == {"rf", "rf extent"}
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_a_thinner_mobilenet_keeps_its_convs_depthwise():
    # torch is the oracle: every conv that was depthwise (groups = channels) still is, at 1/4
    # width, and the thin model runs (widths were once rounded to the lcm of all groups).
    from archlens.nn.build import build_model
    from archlens.spec.load import scale_width
    spec = archlens.from_module(meta_model("mobilenet_v2"), input=(3, 32, 32))
    depthwise = {l.name for l in spec.layers if getattr(l.args, "groups", 1) > 1}
    model = build_model(scale_width(spec, 0.25)).eval()
    convs = {n: m for n, m in model.named_modules() if n in depthwise}
    assert len(convs) == len(depthwise) == 17
    assert all(m.groups == m.in_channels == m.out_channels < 960 for m in convs.values())
    assert torch.isfinite(model(torch.randn(1, 3, 32, 32))).all()   # it runs

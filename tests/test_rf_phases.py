"""Receptive fields after transposed convolutions and upsampling are exact, per output phase.

Oracle: the gradient footprint of EVERY output unit of small hand-built torch models (one channel,
positive weights, one spatial axis: kernels (k, 1) or (1, k)), from the full Jacobian. A unit is
interior when its footprint does not change as the input grows by L pixels on either side (the
unit moving with it); interior units must have exactly the field ``RF.extent`` gives, and the
largest and smallest interior fields must be the printed size and ``size_min``.
"""
import math
import random

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import archlens
from archlens.errors import SpecError

MARGIN = 96  # L: more than any field here, a multiple of every stride product used


def _module(layer: dict, ax: int) -> nn.Module:
    """The torch module of one spec layer along axis ``ax``, built here, not by archlens."""
    def pair(v, other):
        return (v, other) if ax == 0 else (other, v)
    kind = layer["kind"]
    if kind == "conv":
        m = nn.Conv2d(1, 1, pair(layer["kernel_size"], 1), pair(layer.get("stride", 1), 1),
                      pair(layer.get("padding", 0), 0), pair(layer.get("dilation", 1), 1), bias=False)
    elif kind == "conv_transpose":
        m = nn.ConvTranspose2d(1, 1, pair(layer["kernel_size"], 1), pair(layer.get("stride", 1), 1),
                               pair(layer.get("padding", 0), 0), pair(layer.get("output_padding", 0), 0),
                               bias=False, dilation=pair(layer.get("dilation", 1), 1))
    elif kind == "avgpool":
        return nn.AvgPool2d(pair(layer["kernel_size"], 1), pair(layer.get("stride", layer["kernel_size"]), 1),
                            pair(layer.get("padding", 0), 0))
    elif kind == "upsample":
        return nn.Upsample(scale_factor=pair(float(layer["scale_factor"]), 1.0), mode=layer["mode"],
                           align_corners=layer.get("align_corners"))
    else:
        raise AssertionError(kind)
    with torch.no_grad():
        m.weight.fill_(1.0)
    return m.double()


def _spec(layers: list[dict], n: int, ax: int) -> dict:
    """The same stack as an archlens spec on a 1 x n x 1 (or 1 x 1 x n) input."""
    def pair(v, other):
        return [v, other] if ax == 0 else [other, v]
    ones = ("kernel_size", "stride", "dilation", "scale_factor")
    out = []
    for i, layer in enumerate(layers):
        spec = {"name": f"l{i}", "kind": layer["kind"]}
        if layer["kind"] in ("conv", "conv_transpose"):
            spec["out_channels"] = 1
        for key, value in layer.items():
            if key in ("mode", "align_corners"):
                spec[key] = value
            elif key != "kind":
                spec[key] = pair(value, 1 if key in ones else 0)
        out.append(spec)
    return {"name": "stack", "input": [1, *pair(n, 1)], "layers": out}


def footprints(layers: list[dict], n: int, ax: int) -> list:
    """(lo, hi) of input pixels reaching each output unit along the axis, or None: the Jacobian.

    Every layer here is linear with non-negative weights, so the Jacobian is the model applied to
    the n unit impulses at once (one batch), with no cancellation hiding a path."""
    model = nn.Sequential(*(_module(l, ax) for l in layers))
    shape = (n, 1, n, 1) if ax == 0 else (n, 1, 1, n)
    with torch.no_grad():
        jac = model(torch.eye(n, dtype=torch.float64).reshape(shape)).reshape(n, -1).T  # (units, n)
    hit = jac != 0
    lo, hi = hit.int().argmax(1), n - 1 - hit.flip(1).int().argmax(1)
    return [(int(a), int(b)) if any_ else None for a, b, any_ in zip(lo, hi, hit.any(1))]


def _unit_shift(layers: list[dict]) -> int:
    """Output units per MARGIN input pixels: MARGIN · (upsampling product) / (stride product)."""
    up = math.prod(l.get("stride", 1) if l["kind"] == "conv_transpose" else l.get("scale_factor", 1)
                   for l in layers if l["kind"] in ("conv_transpose", "upsample"))
    down = math.prod(l.get("stride", l["kernel_size"] if l["kind"] == "avgpool" else 1)
                     for l in layers if l["kind"] in ("conv", "avgpool"))
    assert (MARGIN * up) % down == 0
    return MARGIN * up // down


def interior(layers: list[dict], n: int, ax: int) -> dict[int, tuple | None]:
    """{unit: footprint} of the units whose footprint is the same with MARGIN more input pixels
    after them and before them (the unit then moving by ``_unit_shift``)."""
    small, big, shift = footprints(layers, n, ax), footprints(layers, n + MARGIN, ax), _unit_shift(layers)

    def moved(e, d):
        return None if e is None else (e[0] + d, e[1] + d)
    return {i: e for i, e in enumerate(small)
            if big[i] == e and i + shift < len(big) and big[i + shift] == moved(e, MARGIN)}


def check_stack(layers: list[dict], n: int, ax: int):
    """Every interior unit's footprint equals the analytic extent; sizes as printed."""
    rf = archlens.profile(_spec(layers, n, ax)).layers[-1].rf
    inner = interior(layers, n, ax)
    assert inner, "no interior unit: grow n"
    other = 0  # the other axis has length 1: unit 0
    for i, e in inner.items():
        index = (i, other) if ax == 0 else (other, i)
        want = None if rf is None else rf.extent(index)
        assert (want and want[ax]) == e, (i, want, e)
    sizes = [e[1] - e[0] + 1 for e in inner.values() if e is not None]
    assert rf.period(ax) <= len(inner), "too few interior units to see every phase"
    assert max(sizes) == rf.size[ax] and min(sizes) == rf.size_range(ax)[0]
    return rf


def test_tiny_deconv_field_is_6_not_7():
    """conv(3, p1) -> pool 2 -> 1x1 -> deconv(k4, s2, p1): each output reads two pooled units."""
    layers = [{"kind": "conv", "kernel_size": 3, "padding": 1}, {"kind": "avgpool", "kernel_size": 2},
              {"kind": "conv", "kernel_size": 1},
              {"kind": "conv_transpose", "kernel_size": 4, "stride": 2, "padding": 1}]
    rf = check_stack(layers, 40, 0)
    assert rf.size[0] == 6 and rf.size_range(0) == (6, 6)
    check_stack(layers, 40, 1)


def test_empty_phases_then_conv_is_bounded_not_none():
    """A dilated strided deconvolution leaves phases that read nothing; a conv after it reads
    the others, and its field is bounded and not none."""
    layers = [{"kind": "conv", "kernel_size": 3},
              {"kind": "conv_transpose", "kernel_size": 2, "stride": 4, "dilation": 2},
              {"kind": "conv", "kernel_size": 3, "padding": 1}]
    p = archlens.profile(_spec(layers, 30, 0))
    up, after = p.layers[1].rf, p.layers[2].rf
    assert None in up.axis_phases(0) and after is not None and after.size[0] > up.size[0]
    check_stack(layers, 30, 0)


def test_fcn_fields_by_phase():
    """fcn32s: every unit of score 436 = 404 + (2 − 1)·32 (two inputs per output of the 64/32
    deconvolution); fcn16s/8s: 436 or 468 depending on the phase (issue 16)."""
    sizes = {}
    for name in ("fcn32s", "fcn16s", "fcn8s"):
        rf = archlens.profile(name).layer("score").rf
        sizes[name] = (rf.size_range(0), rf.size_range(1), rf.period(0))
    assert sizes == {"fcn32s": ((436, 436), (436, 436), 32), "fcn16s": ((436, 468), (436, 468), 32),
                     "fcn8s": ((436, 468), (436, 468), 32)}


def _random_layer(rng: random.Random) -> dict:
    kind = rng.choice(["conv", "conv", "avgpool", "conv_transpose", "conv_transpose", "upsample"])
    if kind == "conv":
        k, d = rng.randint(1, 4), rng.choice([1, 1, 2])
        return {"kind": kind, "kernel_size": k, "stride": rng.choice([1, 2]), "padding": rng.randint(0, k // 2),
                "dilation": d}
    if kind == "avgpool":
        k = rng.randint(2, 3)
        return {"kind": kind, "kernel_size": k, "stride": 2, "padding": rng.randint(0, k // 2)}
    if kind == "upsample":
        mode = rng.choice(["nearest", "bilinear"])
        layer = {"kind": kind, "scale_factor": rng.choice([2, 3]), "mode": mode}
        if mode == "bilinear":
            layer["align_corners"] = False
        return layer
    k, s = rng.randint(1, 5), rng.choice([1, 2, 3])
    return {"kind": kind, "kernel_size": k, "stride": s, "padding": rng.randint(0, (k - 1) // 2),
            "dilation": rng.choice([1, 1, 2])}


@pytest.mark.parametrize("seed", range(16))
def test_random_stacks_match_the_footprint_of_every_unit(seed):
    rng = random.Random(seed)
    ax = seed % 2
    for _ in range(50):   # draw until the stack is valid at this size
        layers = [_random_layer(rng) for _ in range(rng.randint(2, 4))]
        try:
            rf = archlens.profile(_spec(layers, 48, ax)).layers[-1].rf
        except SpecError:
            continue
        if rf is not None:
            break
    check_stack(layers, 48, ax)


def test_footprint_oracle_sees_a_wrong_extent():
    """The oracle can fail: a bilinear 2x upsampling reads two inputs per output, nearest one."""
    near = [{"kind": "upsample", "scale_factor": 2, "mode": "nearest"}]
    lin = [{"kind": "upsample", "scale_factor": 2, "mode": "bilinear", "align_corners": False}]
    assert {e[1] - e[0] for e in interior(near, 20, 0).values()} == {0}
    assert {e[1] - e[0] for e in interior(lin, 20, 0).values()} == {1}
    x = torch.arange(4.0).reshape(1, 1, 4, 1)
    assert F.interpolate(x, scale_factor=(2.0, 1.0), mode="nearest").flatten().tolist() == [0, 0, 1, 1, 2, 2, 3, 3]


@pytest.mark.parametrize("args,message", [
    ({"scale_factor": 2, "size": 8}, "exactly one of scale_factor and size"),
    ({}, "exactly one of scale_factor and size"),
    ({"scale_factor": 2, "align_corners": True}, "align_corners applies to bilinear only"),
    ({"scale_factor": -2}, "must be positive"),
    ({"size": [4, 0]}, "positive integer or a pair"),
    ({"scale_factor": 2, "mode": "bicubic"}, "must be one of nearest, bilinear"),
])
def test_upsample_refuses_bad_arguments_in_one_line(args, message):
    spec = {"input": [1, 4, 4], "layers": [{"name": "up", "kind": "upsample", **args}]}
    with pytest.raises(SpecError) as err:
        archlens.profile(spec)
    assert message in str(err.value) and "'up'" in str(err.value) and "\n" not in str(err.value)


def test_pad_and_crop_turn_the_phases():
    """A pad of one pixel after a 2x deconvolution moves every unit by one: its phase changes.
    A strided conv after it then reads the other phases; verify's footprint (one unit per phase)
    holds each extent."""
    layers = [{"name": "u", "kind": "conv_transpose", "out_channels": 1, "kernel_size": 5, "stride": 2},
              {"name": "p", "kind": "pad", "pad": [1, 0, 1, 0]},
              {"name": "c", "kind": "conv", "out_channels": 1, "kernel_size": 2, "stride": 2}]
    report = archlens.verify({"input": [1, 24, 24], "layers": layers}, peers=False)
    assert report.ok, report.failures
    up, padded = (report.profile.layer(n).rf for n in ("u", "p"))
    assert padded.axis_phases(0) == (up.axis_phases(0)[1], up.axis_phases(0)[0])

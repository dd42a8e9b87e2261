"""Hold the analytic profile against PyTorch itself, and show torchinfo's and fvcore's numbers.

Against torch (must be equal): parameter numel and trainable numel per layer, output shapes
(forward hooks on the meta device), MACs (``FlopCounterMode`` counts 2 FLOPs per MAC of
convolutions and matrix products), and receptive fields by gradient footprint.
Against the peers (must equal what their documented convention predicts): torchinfo's
mult-adds and params, fvcore's flops. Each difference from our MACs carries its reason;
a number that no rule predicts fails with the layer named.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Sequence

import torch

from archlens.errors import ArchlensError
from archlens.verification import footprint, memory
from archlens.nn.build import build_model
from archlens.core.graph import order, output_names, walk_shapes
from archlens.core.profile import ModelProfile, profile
from archlens.spec.model import SpecRef
from archlens.spec.load import load_spec, scale_width, with_input


@dataclass(frozen=True)
class Check:
    layer: str
    quantity: str      # params, trainable, shape, macs, rf, rf extent, live/saved bytes, peers' counts
    ours: object       # our analytic value (for peers: what their convention predicts)
    theirs: object     # what the tool measured
    source: str        # torch | footprint | torchinfo | fvcore
    reason: str = ""   # why a peer's number differs from our MACs, by name

    @property
    def ok(self) -> bool:
        return self.ours == self.theirs


@dataclass
class VerifyReport:
    profile: ModelProfile
    checks: list[Check] = field(default_factory=list)
    peers: bool = True   # False: torchinfo and fvcore were skipped (verify --no-peers)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    @property
    def ok(self) -> bool:
        return not self.failures


def verify(spec: SpecRef, input: Sequence[int] | None = None, peers: bool = True,
           rf_width: float | None = None) -> VerifyReport:
    """Check every layer of ``spec`` at ``input``; ``peers=False`` skips torchinfo/fvcore."""
    spec = with_input(load_spec(spec), input)
    prof = profile(spec)
    report = VerifyReport(prof, peers=peers)
    report.checks += _torch_checks(spec, prof)
    report.checks += rf_checks(spec, prof, rf_width)
    report.checks += memory.memory_checks(spec, prof, Check)
    if peers:
        report.checks += _peer_checks(spec, prof)
    return report


def _torch_checks(spec, prof: ModelProfile) -> list[Check]:
    from torch.utils.flop_counter import FlopCounterMode
    with torch.device("meta"):
        model = build_model(spec).eval()
        x = torch.zeros(1, *spec.input)
    shapes = _hooked_shapes(model, x, [lp.name for lp in prof.layers])
    counter = FlopCounterMode(display=False)
    with counter:
        returned = model(x)
    checks = _output_checks(spec, prof, returned)
    flops = {k.split(".", 1)[1]: sum(v.values()) for k, v in counter.get_flop_counts().items()
             if "." in k}
    for lp in prof.layers:
        module = getattr(model, lp.name)
        checks += [
            Check(lp.name, "params", lp.params.total, sum(p.numel() for p in module.parameters()), "torch"),
            Check(lp.name, "trainable", lp.trainable_params,
                  sum(p.numel() for p in module.parameters() if p.requires_grad), "torch"),
            Check(lp.name, "shape", tuple(lp.out_shape), shapes[lp.name], "torch"),
            Check(lp.name, "macs", lp.macs.value, flops.get(lp.name, 0) // 2, "torch",
                  "FlopCounterMode counts 2 FLOPs per MAC; halved here"),
        ]
    return checks


def _output_checks(spec, prof: ModelProfile, returned) -> list[Check]:
    """The model returns each of the spec's outputs (``outputs:``, else every layer nothing
    reads), in order, with its profiled shape: a tensor for one output, a tuple for several."""
    got = (returned,) if isinstance(returned, torch.Tensor) else tuple(returned)
    want = output_names(spec, order(spec))
    checks = [Check("(model)", "outputs returned", len(want), len(got), "torch")]
    return checks + [Check(name, "output", tuple(prof.layer(name).out_shape), tuple(t.shape[1:]),
                           "torch") for name, t in zip(want, got)]


def _hooked_shapes(model, x, names) -> dict[str, tuple]:
    shapes = {}
    hooks = [getattr(model, n).register_forward_hook(
        lambda m, i, o, n=n: shapes.__setitem__(n, tuple(o.shape[1:]))) for n in names]
    with torch.no_grad():
        model(x)
    for h in hooks:
        h.remove()
    return shapes


def rf_checks(spec, prof: ModelProfile, width: float | None = None,
              layers: Sequence[str] | None = None) -> list[Check]:
    """Footprints of one unit per output phase of each layer (the centre unit where all units
    are alike), measured on an input enlarged so that no field is clipped (fields do not
    depend on the input size). Each unit's extent of non-zero input gradient must equal its
    analytic interval exactly ("rf extent"), and the largest measured field the printed
    size ("rf"). ``layers``: only these (a deep network's last map, say), else every map."""
    spatial = [lp for lp in prof.layers if lp.rf is not None and len(lp.out_shape) == 3
               and (layers is None or lp.name in layers)]
    if not spatial:
        return []
    big, targets = _unclipped(spec, prof, spatial)
    thin = _one_channel_input(scale_width(_untied(big), width or _thin_width(spec)))
    measured = footprint.measured_extent(_footprint_model(thin), thin.input, targets)
    checks = []
    for name, units in targets.items():
        rf = prof.layer(name).rf
        printed = tuple(rf.size) if len(units) >= max(rf.period(0), rf.period(1)) else \
            footprint.size_of([rf.extent(u) for u in units])   # some phase has no unclipped unit
        checks += [Check(name, "rf", printed, footprint.size_of(measured[name]), "footprint", _SIZE),
                   Check(name, "rf extent", tuple(footprint.predicted_extent(rf, u) for u in units),
                         tuple(measured[name]), "footprint", _EXTENT)]
    return checks


def _unclipped(spec, prof: ModelProfile, layers):
    """The smallest input (from a first guess, grown by half until it holds) on which every
    layer's measured units (one per phase, from the centre on) have their whole field inside
    the image; and those units. Where fields depend on the input size (an upsampling to a
    fixed size), the spec's own input and, per phase, a unit whose field lies inside it."""
    need = [max(math.ceil(lp.rf.size[ax] + (2 + lp.rf.period(ax)) * lp.rf.jump[ax]
                          + 2 * abs(lp.rf.start[ax])) for lp in layers) + 2 for ax in (0, 1)]
    hw = [max(n, m) for n, m in zip(spec.input[1:], need)]
    while True:
        big = with_input(spec, (spec.input[0], *hw))
        big_prof = profile(big)
        if any(big_prof.layer(lp.name).rf != lp.rf for lp in layers):
            return spec, {lp.name: _units_inside(lp.rf, lp.out_shape[1:], spec.input[1:]) for lp in layers}
        outs = {lp.name: big_prof.layer(lp.name).out_shape[1:] for lp in layers}
        targets = {lp.name: _phase_units(lp.rf, outs[lp.name]) for lp in layers}
        if all(_inside(prof.layer(n).rf, u, outs[n], hw) for n, units in targets.items() for u in units):
            return big, targets
        hw = [v + v // 2 for v in hw]


def _phase_units(rf, hw) -> list[tuple[int, int]]:
    """One unit of every phase of each axis, from the centre unit on (diagonally)."""
    periods = [rf.period(ax) for ax in (0, 1)]
    centre = [v // 2 for v in hw]
    return [(centre[0] + q % periods[0], centre[1] + q % periods[1]) for q in range(max(periods))]


def _inside(rf, index, out_hw, hw) -> bool:
    """Unit ``index`` exists in the output and its whole field lies inside the input."""
    extent = rf.extent(index)
    return all(i < n for i, n in zip(index, out_hw)) and (
        extent is None or all(0 <= lo and hi <= n - 1 for (lo, hi), n in zip(extent, hw)))


def _units_inside(rf, out_hw, hw) -> list[tuple[int, int]]:
    """Per phase (diagonally, as ``_phase_units``), the unit nearest the centre whose field lies
    inside the input; phases with no such unit on this input are left out."""
    rows, cols = (_axis_inside(rf, ax, out_hw[ax], hw[ax]) for ax in (0, 1))
    units = [(rows[q % len(rows)], cols[q % len(cols)]) for q in range(max(len(rows), len(cols)))]
    return [u for u in units if None not in u]


def _axis_inside(rf, ax: int, m: int, n: int) -> list:
    phases = rf.axis_phases(ax)
    found = []
    for q in range(len(phases)):
        candidates = sorted(range(q, m, len(phases)), key=lambda i: abs(i - m // 2))
        found.append(next((i for i in candidates if phases[q] is None or (
            0 <= rf.start[ax] + i * rf.jump[ax] + phases[q][0]
            and rf.start[ax] + i * rf.jump[ax] + phases[q][1] <= n - 1)), None))
    return found


_SIZE = "largest footprint over one unit per phase (rows, cols) equals the printed size"
_EXTENT = "input pixels reaching each measured unit, one per phase, on an unclipped input"


def _untied(spec):
    """Class-count layers thinned too (channels do not change fields): FCN's 21-class maps."""
    return dataclasses.replace(spec, layers=tuple(dataclasses.replace(l, width_scaled=True)
                                                  for l in spec.layers))


def _thin_width(spec) -> float:
    """A width at which the widest layer has about 4 channels: fields do not depend on width."""
    widths = [getattr(l.args, "out_channels", 0) or getattr(l.args, "out_features", 0)
              for l in spec.layers]
    return min(1.0, 4 / max(widths + [1]))


def _one_channel_input(spec):
    """The thin variant on a one-channel input where it still has the same fields: channels do
    not change a field, and the first layers' backward at full resolution is most of the
    measuring (FCN-8s's 118 units, one thread: 23.5 against 14 s). A spec whose layers need
    the input's channels (a grouped first layer, a channel slice) keeps them."""
    one = with_input(spec, (1, *spec.input[1:]))
    try:
        same = [lp.rf for lp in profile(one).layers] == [lp.rf for lp in profile(spec).layers]
    except ArchlensError:
        return spec
    return one if same else spec


def _footprint_model(spec):
    model = build_model(spec).double().eval()
    nodes = order(spec)
    shapes = walk_shapes(spec, nodes)
    for n in nodes:
        stand_in = n.kind.footprint(n.layer.args, [shapes[s] for s in n.inputs], shapes[n.name])
        if stand_in is not None:
            setattr(model, n.name, stand_in.double())
    footprint.positive_(model)
    return model


def _peer_checks(spec, prof: ModelProfile) -> list[Check]:
    model = build_model(spec).eval()
    x = torch.zeros(1, *spec.input)
    ti, ti_bytes = _torchinfo_layers(model, spec.input)
    fv = _fvcore_layers(model, x)
    nodes = {n.name: n for n in order(spec)}
    checks = []
    for lp in prof.layers:
        kind, a = nodes[lp.name].kind, nodes[lp.name].layer.args
        ti_pred, ti_why = kind.torchinfo_macs(a, list(lp.in_shapes), lp.out_shape)
        fv_pred, fv_why = kind.fvcore_flops(a, list(lp.in_shapes), lp.out_shape)
        checks += [
            Check(lp.name, "torchinfo params", lp.params.total, ti[lp.name][1], "torchinfo"),
            Check(lp.name, "torchinfo mult-adds", ti_pred, ti[lp.name][0], "torchinfo", ti_why),
            Check(lp.name, "fvcore flops", fv_pred, fv.get(lp.name, 0), "fvcore", fv_why),
        ]
    return checks + memory.peer_memory_checks(prof, model, x, ti_bytes, Check)


def _torchinfo_layers(model, input_shape) -> tuple[dict[str, tuple[int, int]], int]:
    """Per layer (mult-adds, params), and the forward/backward pass size in bytes."""
    import torchinfo
    stats = torchinfo.summary(model, input_size=(1, *input_shape), verbose=0, device="cpu")
    layers = {li.var_name: (li.macs, li.num_params) for li in stats.summary_list if li.depth == 1}
    return layers, stats.total_output_bytes


def _fvcore_layers(model, x) -> dict[str, int]:
    import logging
    from fvcore.nn import FlopCountAnalysis
    logging.getLogger("fvcore").setLevel(logging.ERROR)
    analysis = FlopCountAnalysis(model, x).unsupported_ops_warnings(False)
    return dict(analysis.uncalled_modules_warnings(False).by_module())

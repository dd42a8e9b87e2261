"""Measure receptive fields by gradient footprint: an independent check of the RF rules.

Make every path positive (input of ones, positive weights, zero biases, max pools swapped for
window sums of the same geometry, cross-channel normalisations made identity), backpropagate
from one unit of each phase of a layer's output, and read where the input gradient is non-zero.
That extent must equal the analytic field of that unit (its phase's extent around its centre;
[centre - (r-1)/2, centre + (r-1)/2] where all units are alike), on an input large enough that
no field is clipped. Channels do not change a field, so a thin variant (width-scaled) is used.
"""
from __future__ import annotations


import torch
import torch.nn.functional as F
from torch import nn


class WindowSum(nn.Module):
    """Sum over a pooling window of the same kernel/stride/padding/dilation/ceil geometry."""

    def __init__(self, channels: int, k, s, p, d, out_hw):
        super().__init__()
        self.k, self.s, self.p, self.d, self.out_hw = k, s, p, d, out_hw
        self.register_buffer("ones", torch.ones(channels, 1, *k, dtype=torch.float64))

    def forward(self, x):
        overhang = [max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p)) for o, s, d, k, n, p in
                 zip(self.out_hw, self.s, self.d, self.k, x.shape[2:], self.p)]
        x = F.pad(x, (self.p[1], self.p[1] + overhang[1], self.p[0], self.p[0] + overhang[0]))
        return F.conv2d(x, self.ones, stride=self.s, dilation=self.d, groups=x.shape[1])


def positive_(model: nn.Module) -> None:
    """Weights 1/fan-in (keeps float64 activations near 1), biases 0."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias"):
                p.zero_()
            else:
                p.fill_(1.0 / max(1, p[0].numel()))


def measured_extent(model: nn.Module, input_shape, layers: dict):
    """{layer: ((lo_h, hi_h), (lo_w, hi_w)) or None}: the input pixels reaching output unit
    ``layers[name]`` = (i, j) (None: no input pixel reaches it); for a list of units, a list."""
    x = torch.ones(1, *input_shape, dtype=torch.float64, requires_grad=True)
    outs: dict[str, torch.Tensor] = {}
    hooks = [getattr(model, n).register_forward_hook(_keep(outs, n)) for n in layers]
    model(x)
    for h in hooks:
        h.remove()
    result = {}
    for name, units in layers.items():
        one = not isinstance(units, list)
        found = []
        for i, j in ([units] if one else units):
            (g,) = torch.autograd.grad(outs[name][0, :, i, j].sum(), x, retain_graph=True)
            found.append(_extent(g[0].abs().sum(0)))
        result[name] = found[0] if one else found
    return result


def _keep(store, name):
    def hook(module, inputs, output):
        store[name] = output
    return hook


def _extent(grad2d: torch.Tensor):
    rows = torch.nonzero(grad2d.sum(1)).flatten()
    cols = torch.nonzero(grad2d.sum(0)).flatten()
    if len(rows) == 0:
        return None
    return (int(rows.min()), int(rows.max())), (int(cols.min()), int(cols.max()))


def predicted_extent(rf, index, hw=None):
    """The analytic field of unit ``index``: per axis (lo, hi), its phase's extent around its
    nominal centre (archlens.core.phases), or None where no input reaches it; clipped to an
    image of size ``hw`` where given (verify enlarges the input so that nothing is clipped).

    Bounds are exact: a bound that is not a whole pixel cannot match a measured footprint,
    so an inconsistent size/start fails the check.
    """
    extent = rf.extent(index)
    if extent is None or hw is None:
        return extent
    return tuple((max(0, lo), min(n - 1, hi)) for (lo, hi), n in zip(extent, hw))


def size_of(extents) -> tuple | None:
    """Per axis the largest field size hi − lo + 1 among measured extents (None: none reached)."""
    found = [e for e in extents if e is not None]
    if not found:
        return None
    return tuple(max(e[ax][1] - e[ax][0] + 1 for e in found) for ax in (0, 1))

"""Measure receptive fields by gradient footprint: an independent check of the RF rules.

Make every path positive (input of ones, positive weights, zero biases, max pools swapped for
window sums of the same geometry, cross-channel normalisations made identity), backpropagate
from the centre unit of a layer's output, and read where the input gradient is non-zero.
That extent must equal the analytic field [centre - (r-1)/2, centre + (r-1)/2], quoted to
the image. Channels do not change a field, so a thin variant (width-scaled) is used.
"""
from __future__ import annotations

from fractions import Fraction

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


def measured_extent(model: nn.Module, input_shape, layers: dict[str, tuple[int, int]]):
    """{layer: ((lo_h, hi_h), (lo_w, hi_w))} of input pixels reaching output unit ``layers[name]``."""
    x = torch.ones(1, *input_shape, dtype=torch.float64, requires_grad=True)
    outs: dict[str, torch.Tensor] = {}
    hooks = [getattr(model, n).register_forward_hook(_keep(outs, n)) for n in layers]
    model(x)
    for h in hooks:
        h.remove()
    result = {}
    for name, (i, j) in layers.items():
        (g,) = torch.autograd.grad(outs[name][0, :, i, j].sum(), x, retain_graph=True)
        result[name] = _extent(g[0].abs().sum(0))
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


def predicted_extent(rf, index, hw):
    """The analytic field of unit ``index``, [centre - (r-1)/2, centre + (r-1)/2] per axis.

    Bounds are exact: a bound that is not a whole pixel cannot match a measured footprint,
    so an inconsistent size/start fails the check. Clipped to the image of size ``hw``.
    """
    out = []
    for size, jump, start, i, n in zip(rf.size, rf.jump, rf.start, index, hw):
        centre, half = start + i * jump, Fraction(size - 1) / 2
        lo, hi = max(0, centre - half), min(n - 1, centre + half)
        out.append(tuple(int(v) if v == int(v) else v for v in (lo, hi)))
    return tuple(out)

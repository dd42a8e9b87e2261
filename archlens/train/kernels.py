"""Faster ways to compute a layer while training, chosen by the harness: the same linear map
with the same parameters (state dicts and checkpoints do not change), only the kernel differs.
The model ``build_model`` returns is never changed, so profiles, verify, fvcore and torch's
FLOP counter keep seeing the layers the spec names.

FCN's fixed bilinear upsampling (``init: bilinear``, ``frozen: true``: FCN-32s's 64/32 score
upsampling) is a ConvTranspose2d whose weight joins each channel to itself alone, with the
separable kernel outer(t_h, t_w). oneDNN runs it as a dense transposed convolution with a large
stride and few channels, its slowest case: on one CPU thread about a quarter of an FCN-32s quick
training step (torch.profiler). As ``A_h · x · A_wᵀ`` per channel (A: the 1-D transposed convolution as a
matrix) the same map is two small matrix products (``benchmarks/train_upsampling.py``).
"""
from __future__ import annotations

import copy

import torch
from torch import nn

from archlens.core.geometry import deconv_length
from archlens.nn.fcn import bilinear_, bilinear_taps


class SeparableUpsampling(nn.Module):
    """A frozen per-channel bilinear ConvTranspose2d computed as ``A_h @ x @ A_w.T`` (+ bias).

    Holds the transposed convolution's own ``weight`` (and ``bias``), so the state dict is the
    same; the matrices are built from its kernel size, stride, padding, dilation and output
    padding for each input size met, with ``bilinear_taps``: only a frozen layer whose weight
    was found equal to ``bilinear_``'s is replaced (``is_fixed_bilinear``), and training never
    changes a frozen weight.
    """

    def __init__(self, deconv: nn.ConvTranspose2d):
        super().__init__()
        self.weight, self.bias = deconv.weight, deconv.bias
        self.axes = tuple(zip(deconv.kernel_size, deconv.stride, deconv.padding, deconv.dilation,
                              deconv.output_padding))
        self._matrices: dict = {}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """In float32 at least, rounded once to the input's type at the end, as a transposed
        convolution accumulates (under bfloat16 autocast two bfloat16 products would round
        twice, and FCN-8s's quick recipe then ended at mIoU 0.51 against 0.75)."""
        wide = torch.promote_types(x.dtype, torch.float32)
        a_h, a_w = self._matrices_for(x, wide)
        with torch.autocast(x.device.type, enabled=False):
            y = a_h @ x.to(wide) @ a_w.T
            if self.bias is not None:
                y = y + self.bias.view(-1, 1, 1).to(wide)
        return y.to(x.dtype)

    def _matrices_for(self, x: torch.Tensor, dtype) -> tuple[torch.Tensor, torch.Tensor]:
        key = (x.shape[-2:], dtype, x.device)
        if key not in self._matrices:
            self._matrices[key] = tuple(
                transposed_conv_matrix(n, *axis, dtype=dtype, device=x.device)
                for n, axis in zip(x.shape[-2:], self.axes))
        return self._matrices[key]


def transposed_conv_matrix(n: int, k: int, s: int, p: int, d: int, op: int,
                           dtype=None, device=None) -> torch.Tensor:
    """(n_out, n) matrix of a 1-D transposed convolution with FCN's bilinear taps: output o
    takes input i with tap t where o + p = s·i + d·t (n_out: ``deconv_length``)."""
    n_out = deconv_length(n, k, s, p, d, op)
    taps = bilinear_taps(k, device=device, dtype=dtype)
    offset = torch.arange(n_out, device=device)[:, None] + p - s * torch.arange(n, device=device)[None]
    tap, rest = offset.div(d, rounding_mode="floor"), offset.remainder(d)
    hit = (rest == 0) & (tap >= 0) & (tap < k)
    return torch.where(hit, taps[tap.clamp(0, k - 1)], torch.zeros((), dtype=taps.dtype, device=device))


# Strides from which the separable form is used. At 32 (FCN-32s's 64/32 on a 5x5 score map) a
# forward and backward step of the layer ran 4-8x faster, and the FCN-32s quick recipe in 77
# against 88 s; at 16 and 8 the layer ran 2-4x faster but the FCN-16s and FCN-8s recipes took
# as long as before (52 against 50 s), so those keep torch's layer.
FAST_FROM_STRIDE = 32


def is_fixed_bilinear(module: nn.Module) -> bool:
    """A frozen ConvTranspose2d whose weight (and bias) are exactly what ``bilinear_`` writes,
    upsampling by ``FAST_FROM_STRIDE`` or more."""
    if type(module) is not nn.ConvTranspose2d or module.weight.requires_grad:
        return False
    if min(module.stride) < FAST_FROM_STRIDE:
        return False
    if module.bias is not None and (module.bias.requires_grad or module.bias.any()):
        return False
    if module.in_channels != module.out_channels:
        return False
    expected = bilinear_(copy.deepcopy(module)).weight
    return torch.equal(module.weight, expected)


def with_fast_kernels(model: nn.Module) -> nn.Module:
    """``model`` with each fixed bilinear upsampling by 32 or more replaced, in place, by its
    separable form."""
    for parent in list(model.modules()):
        for name, child in list(parent.named_children()):
            if is_fixed_bilinear(child):
                setattr(parent, name, SeparableUpsampling(child))
    return model

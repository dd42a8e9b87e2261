"""Torch pieces for fully convolutional nets: bilinear deconvolution weights and the crop.

Both follow the FCN reference implementation (shelhamer/fcn.berkeleyvision.org):
``surgery.upsample_filt`` / ``surgery.interp`` and Caffe's Crop layer.
"""
from __future__ import annotations

import torch
from torch import nn


def bilinear_taps(k: int, device=None, dtype=None) -> torch.Tensor:
    """One axis of FCN's ``upsample_filt(k)``: 1 − |x − centre| / factor for x in [0, k).

    factor = ceil(k/2); centre = factor − 1 for odd k, factor − 0.5 for even k.
    """
    factor = (k + 1) // 2
    centre = factor - 1 if k % 2 == 1 else factor - 0.5
    x = torch.arange(k, device=device, dtype=dtype or torch.float32)
    return 1 - (x - centre).abs() / factor


def bilinear_(module: nn.ConvTranspose2d) -> nn.ConvTranspose2d:
    """Set a ConvTranspose2d to per-channel bilinear interpolation (``surgery.interp``).

    Channel c feeds only output channel c with the separable bilinear kernel; the bias,
    if any, is zeroed. Needs in_channels == out_channels (checked when the spec loads).
    """
    weight = module.weight  # (C_in, C_out/g, k_h, k_w)
    c_in, per_group, kh, kw = weight.shape
    kernel = torch.outer(bilinear_taps(kh, weight.device, weight.dtype),
                         bilinear_taps(kw, weight.device, weight.dtype))
    with torch.no_grad():
        weight.zero_()
        channels = torch.arange(c_in, device=weight.device)
        weight[channels, channels % per_group] = kernel
        if module.bias is not None:
            module.bias.zero_()
    return module


class CropModule(nn.Module):
    """Caffe's Crop (axis 2): ``x[..., oy:oy+H_ref, ox:ox+W_ref]``, sizes from the reference.

    The offset is derived from receptive-field geometry by the profile, never typed in; it
    does not depend on the input size, so one built model crops correctly at any size.
    """

    def __init__(self, offset: tuple[int, int]):
        super().__init__()
        self.offset = tuple(offset)

    def forward(self, x: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
        (oy, ox), (h, w) = self.offset, reference.shape[-2:]
        return x[:, :, oy:oy + h, ox:ox + w]

    def extra_repr(self) -> str:
        return f"offset={self.offset}"

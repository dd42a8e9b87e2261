"""Small torch modules for kinds PyTorch has no module for (merges take several inputs)."""
from __future__ import annotations

import torch
from torch import nn


class AddModule(nn.Module):
    """Elementwise sum of all inputs (FCN's Eltwise SUM)."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out + x
        return out


class ConcatModule(nn.Module):
    """Concatenation along channels."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        return torch.cat(xs, dim=1)


class LocalResponseNormModule(nn.Module):
    """Across-channel LRN, the function ``torch.nn.LocalResponseNorm`` computes:

        b_c = a_c / (k + alpha/n * sum_{c' = c - n//2}^{c + (n-1)//2} a_{c'}^2) ** beta

    (Krizhevsky et al. 2012, Sec. 3.3; PyTorch, like Caffe, divides alpha by n). torch sums the
    window with ``avg_pool3d``; a running sum over channels gives the same window sums for a
    fraction of the work (``benchmarks/lrn.py``: forward and backward at ZF-5's conv1/conv2
    sizes). Sums run in float32 under autocast, so bfloat16 inputs lose nothing in the
    subtraction; the clamp keeps rounding from making a window of squares negative.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, channels = self.size, x.shape[1]
        x32 = x.to(torch.promote_types(x.dtype, torch.float32))   # bf16 sums in float32
        pad = [0, 0] * (x.dim() - 2) + [n // 2, (n - 1) // 2]
        squares = torch.nn.functional.pad(x32.square(), pad)
        window = squares[:, :channels].clone()
        for shift in range(1, n):
            window += squares[:, shift:shift + channels]
        return (x32 / (self.k + self.alpha / n * window).pow(self.beta)).to(x.dtype)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


class MulModule(nn.Module):
    """Elementwise product of all inputs, broadcast as torch does (squeeze-excitation's scale)."""

    def forward(self, *xs: torch.Tensor) -> torch.Tensor:
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out


class MeanModule(nn.Module):
    """``x.mean(dim, keepdim)`` (global average pooling with dim (2, 3))."""

    def __init__(self, dim: tuple[int, ...], keepdim: bool = False):
        super().__init__()
        self.dim, self.keepdim = tuple(dim), keepdim

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(self.dim, keepdim=self.keepdim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, keepdim={self.keepdim}"


class PadModule(nn.Module):
    """``F.pad(x, pad, value=value)``, constant mode, F.pad's order (last axis first)."""

    def __init__(self, pad: tuple[int, ...], value: float = 0.0):
        super().__init__()
        self.pad, self.value = tuple(pad), value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.nn.functional.pad(x, self.pad, value=self.value)

    def extra_repr(self) -> str:
        return f"pad={self.pad}, value={self.value}"


class UpsampleToModule(nn.Module):
    """Upsampling to the reference's height and width (the upsample kind with two inputs):
    ``F.interpolate(x, size=reference.shape[-2:])``, as FPN's top-down path (Lin et al. 2017)."""

    def __init__(self, mode: str = "nearest", align_corners: bool | None = None):
        super().__init__()
        self.mode, self.align_corners = mode, align_corners

    def forward(self, x: torch.Tensor, reference: torch.Tensor) -> torch.Tensor:
        return nn.functional.interpolate(x, size=tuple(reference.shape[-2:]), mode=self.mode,
                                         align_corners=self.align_corners)

    def extra_repr(self) -> str:
        return f"mode={self.mode!r}" + ("" if self.align_corners is None else
                                         f", align_corners={self.align_corners}")

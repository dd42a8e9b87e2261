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
    window with ``avg_pool3d`` and lets autograd differentiate a dozen elementwise steps; here
    the window is a running sum over channel slices and the gradient is written out
    (``_LRNFunction``), which makes ZF-5's quick training step 1.5-1.8x faster
    (``benchmarks/lrn.py``). Sums run in float32 under autocast, so bfloat16 inputs lose
    nothing.
    """

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x32 = x.to(torch.promote_types(x.dtype, torch.float32))   # bf16 sums in float32
        return _LRNFunction.apply(x32, self.size, self.alpha, self.beta, self.k).to(x.dtype)

    def extra_repr(self) -> str:
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"


def _window_sum(t: torch.Tensor, before: int, after: int) -> torch.Tensor:
    """out[:, c] = sum of t[:, c - before .. c + after] along dim 1, channels past the ends zero."""
    if t.dim() == 4 and t.is_contiguous(memory_format=torch.channels_last) and not t.is_contiguous():
        return _window_sum_channels_last(t, before, after)
    channels, out = t.shape[1], t.clone()
    for shift in range(1, min(before, channels - 1) + 1):
        out[:, shift:] += t[:, :channels - shift]
    for shift in range(1, min(after, channels - 1) + 1):
        out[:, :channels - shift] += t[:, shift:]
    return out


def _window_sum_channels_last(t: torch.Tensor, before: int, after: int) -> torch.Tensor:
    """The same sums for a channels-last tensor, as one product with a 0/1 band matrix: there a
    pixel's channels lie side by side, so shifted channel slices are short strided runs, and the
    product is 2-3x faster for ZF-5's quick-recipe widths (``benchmarks/lrn.py``). Autocast is
    off: the sums stay in the input's precision."""
    c = torch.arange(t.shape[1], device=t.device)
    offset = c[:, None] - c[None, :]           # row: the channel added; column: the sum it joins
    band = ((offset >= -before) & (offset <= after)).to(t.dtype)
    with torch.autocast(t.device.type, enabled=False):
        return (t.permute(0, 2, 3, 1) @ band).permute(0, 3, 1, 2)


def _negative_power(base: torch.Tensor, beta: float) -> torch.Tensor:
    """base ** -beta; AlexNet's and ZF-5's beta = 0.75 as rsqrt(b) * sqrt(rsqrt(b)), two cheap
    roots in place of a general power (about 15% of the layer's time)."""
    if beta == 0.75:
        root = base.rsqrt()
        return root.mul_(root.sqrt())
    return base.pow(-beta)


class _LRNFunction(torch.autograd.Function):
    """LRN with its gradient written out. With s_c = k + alpha/n * window(a^2)_c and
    b_c = a_c * s_c^-beta:

        dL/da_j = g_j * s_j^-beta - (2 alpha beta / n) * a_j * sum_{c: j in window(c)} g_c a_c s_c^(-beta-1)

    The inner sum runs over the transposed window (before and after swap). Saved: the input,
    the power's base s and its result s^-beta, what autograd kept for torch's formula too.
    """

    @staticmethod
    def forward(ctx, x, size: int, alpha: float, beta: float, k: float):
        base = _window_sum(x.square(), size // 2, (size - 1) // 2).mul_(alpha / size).add_(k)
        scale = _negative_power(base, beta)
        ctx.save_for_backward(x, base, scale)
        ctx.constants = (size, alpha, beta)
        return x * scale

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad):
        x, base, scale = ctx.saved_tensors
        size, alpha, beta = ctx.constants
        grad_scaled = grad * scale
        inner = _window_sum((grad_scaled * x).div_(base), (size - 1) // 2, size // 2)
        return torch.addcmul(grad_scaled, x, inner, value=-2 * alpha * beta / size), None, None, None, None


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

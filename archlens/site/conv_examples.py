"""Worked convolution examples for the convolution page: pooling, stride and padding, 1×1.

Plain numpy, so the page shows arithmetic a reader can redo by hand; the test suite checks each
against torch (``F.max_pool2d``, ``F.conv2d``) and each parameter count against ``nn.Conv2d``.
"""
from __future__ import annotations

import numpy as np

# A 4×4 feature map for 2×2 max and average pooling with stride 2.
POOL_X = np.array([[1, 3, 2, 0], [4, 2, 1, 5], [0, 1, 3, 2], [2, 6, 1, 1]], dtype=float)
POOL_K = 2

# A 5×5 input, a 3×3 kernel, padding 1 and stride 2: the output is 3×3.
STRIDE_X = np.arange(1, 26, dtype=float).reshape(5, 5)
STRIDE_K = np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float)
STRIDE, PAD = 2, 1

# A 1×1 convolution from 3 channels to 2 on a 2×2 map: a matrix applied at every pixel.
ONE_X = np.array([[[1, 2], [0, 1]], [[3, 0], [1, 2]], [[0, 1], [2, 1]]], dtype=float)
ONE_W = np.array([[1, 0, -1], [0.5, 1, 0.5]])

# Parameter counts quoted in the prose: (C_in, C_out, k) of layers in VGG and a bottleneck.
PARAM_LAYERS = {"VGG conv1_1": (3, 64, 3), "VGG conv2_1": (64, 128, 3),
                "1×1 bottleneck 256→64": (256, 64, 1), "3×3, 256→64": (256, 64, 3)}


def out_size(n: int, k: int, s: int = 1, p: int = 0) -> int:
    """floor((n + 2p − k) / s) + 1: how many window positions fit along one axis."""
    return (n + 2 * p - k) // s + 1


def pool2d(x, k: int, op=np.max):
    """Non-overlapping k×k pooling (stride k) of a 2-D map."""
    h, w = out_size(x.shape[0], k, k), out_size(x.shape[1], k, k)
    return np.array([[op(x[i * k:(i + 1) * k, j * k:(j + 1) * k]) for j in range(w)]
                     for i in range(h)])


def conv2d(x, kernel, stride: int = 1, pad: int = 0):
    """Cross-correlation of a 2-D map with zero padding and a stride (what nn.Conv2d computes)."""
    xp = np.pad(x, pad)
    k = kernel.shape[0]
    h, w = out_size(x.shape[0], k, stride, pad), out_size(x.shape[1], k, stride, pad)
    return np.array([[np.sum(xp[i * stride:i * stride + k, j * stride:j * stride + k] * kernel)
                      for j in range(w)] for i in range(h)])


def conv1x1(x, w):
    """(C_in, H, W) → (C_out, H, W): output pixel = W · (the C_in values at that pixel)."""
    return np.einsum("oc,chw->ohw", w, x)


def conv_params(c_in: int, c_out: int, k: int) -> int:
    """Weights C_out·C_in·k² plus one bias per output channel."""
    return c_out * c_in * k * k + c_out


def conv_examples() -> dict:
    return dict(
        pool_x=POOL_X, pool_k=POOL_K, pool_max=pool2d(POOL_X, POOL_K),
        pool_avg=pool2d(POOL_X, POOL_K, np.mean),
        stride_x=STRIDE_X, stride_k=STRIDE_K, stride=STRIDE, pad=PAD,
        stride_y=conv2d(STRIDE_X, STRIDE_K, STRIDE, PAD),
        stride_n=out_size(5, 3, STRIDE, PAD), same_n=out_size(5, 3, 1, 1),
        one_x=ONE_X, one_w=ONE_W, one_y=conv1x1(ONE_X, ONE_W),
        params={name: (c_in, c_out, k, conv_params(c_in, c_out, k))
                for name, (c_in, c_out, k) in PARAM_LAYERS.items()})

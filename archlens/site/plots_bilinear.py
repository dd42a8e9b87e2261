"""The segmentation page's bilinear-initialisation figure: the kernels archlens itself puts into
FCN's frozen / initial transposed convolutions (``archlens.nn.fcn.bilinear_``, FCN's
``surgery.interp``), for the 2x ``upscore2`` of FCN-8s and the 32x ``upscore`` of FCN-32s.

The kernel sizes and strides are read from the bundled specs, and the values from a
ConvTranspose2d that ``bilinear_`` filled, so the page shows exactly what ``build_model`` uses.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from archlens.site.figures import Theme, new_figure

# (spec, layer): FCN's two upsampling factors the page shows, small enough to annotate and large.
LAYERS = (("fcn8s", "upscore2"), ("fcn32s", "upscore"))


@lru_cache(maxsize=None)
def _layer(spec: str, layer: str) -> tuple[int, int, bool]:
    """Kernel size, stride and frozen flag of a bundled spec's transposed convolution (square)."""
    from archlens.spec.load import load_spec
    lp = load_spec(spec).layer(layer)
    return lp.args.kernel_size[0], lp.args.stride[0], bool(lp.frozen)


def kernel(k: int) -> np.ndarray:
    """The k x k kernel ``bilinear_`` writes into a 1-channel ConvTranspose2d (float64)."""
    import torch
    from archlens.nn.fcn import bilinear_
    module = torch.nn.ConvTranspose2d(1, 1, k, bias=False).double()
    return bilinear_(module).weight.detach()[0, 0].numpy()


def bilinear_numbers() -> list[dict]:
    """Per shown layer: where it is, k, stride, FCN's factor f and centre c, and the kernel."""
    rows = []
    for spec, layer in LAYERS:
        k, s, frozen = _layer(spec, layer)
        f = (k + 1) // 2                              # surgery.upsample_filt: factor
        c = f - 1 if k % 2 == 1 else f - 0.5          # ... and centre
        w = kernel(k)
        rows.append({"spec": spec, "layer": layer, "k": k, "stride": s, "f": f, "c": c,
                     "taps": _taps(k), "kernel": w, "interior": _interior(w, s),
                     "frozen": frozen})
    return rows


def _taps(k: int) -> np.ndarray:
    from archlens.nn.fcn import bilinear_taps
    return bilinear_taps(k).double().numpy()   # one axis of the kernel: w = outer(taps, taps)


def _interior(w: np.ndarray, stride: int, n: int = 4) -> tuple[float, float]:
    """Min and max of a constant n x n map of ones upsampled by ``w`` at ``stride``, away from
    the k - stride border pixels that only some kernel copies reach: both 1 for a bilinear kernel."""
    import torch
    import torch.nn.functional as F
    out = F.conv_transpose2d(torch.ones(1, 1, n, n, dtype=torch.float64),
                             torch.from_numpy(w)[None, None], stride=stride)[0, 0]
    edge = w.shape[0] - stride
    inner = out[edge:out.shape[0] - edge, edge:out.shape[1] - edge]
    return float(inner.min()), float(inner.max())


def _annotate(ax, w: np.ndarray) -> None:
    for (i, j), v in np.ndenumerate(w):
        ax.text(j, i, f"{v:.4g}", ha="center", va="center", fontsize=9,
                color="white" if v < 0.5 * w.max() else "black")


def bilinear_kernels(theme: Theme):
    rows = bilinear_numbers()
    fig = new_figure(6.4, 3.3)
    axes = fig.subplots(1, len(rows))
    for ax, r in zip(axes, rows):
        image = ax.imshow(r["kernel"], cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        image.set_gid(f"kernel-{r['k']}")
        if r["k"] <= 8:
            _annotate(ax, r["kernel"])
            ax.set(xticks=range(r["k"]), yticks=range(r["k"]))
        else:
            ax.set(xticks=[0, r["k"] // 2, r["k"] - 1], yticks=[0, r["k"] // 2, r["k"] - 1])
        ax.set_title(f"{r['spec']} {r['layer']}: {r['k']}×{r['k']}, stride {r['stride']}",
                     fontsize=10)
        ax.set_xlabel("x (kernel column)")
    axes[0].set_ylabel("y (kernel row)")
    fig.colorbar(image, ax=axes, shrink=0.8, label="weight")
    return fig

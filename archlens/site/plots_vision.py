"""Figures for semantic segmentation (FCN, transposed convolution) and detection."""

from __future__ import annotations

import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import FancyBboxPatch, Rectangle

from archlens.site import numerics as nx
from archlens.site.figures import Theme, new_figure

# The worked example: linear-interpolation kernel, stride 2.
DECONV_X = np.array([1.0, 3.0, 2.0])
DECONV_K = np.array([0.5, 1.0, 0.5])
DECONV_STRIDE = 2


def _cells(ax, row, values, color, label):
    for i, v in enumerate(values):
        if v == 0 and label != "sum":
            continue  # leave positions a row does not touch empty
        ax.add_patch(Rectangle((i, -row), 0.92, 0.8, fc=color, alpha=0.3, ec=color))
        ax.text(i + 0.46, -row + 0.4, f"{v:g}", ha="center", va="center")
    ax.text(-0.3, -row + 0.4, label, ha="right", va="center")


def transposed_conv_1d(theme: Theme):
    rows, out = nx.conv_transpose_1d(DECONV_X, DECONV_K, DECONV_STRIDE)
    fig = new_figure(6.4, 2.8)
    ax = fig.add_subplot()
    for i, row in enumerate(rows):
        _cells(ax, i, row, theme.accent[i], f"x[{i}] = {DECONV_X[i]:g} · k")
    ax.plot([0, len(out)], [-len(rows) + 0.9] * 2, color=theme.fg, lw=1)
    _cells(ax, len(rows), out, theme.fg, "sum")
    ax.set(xlim=(-3.2, len(out) + 0.2), ylim=(-len(rows) - 0.3, 1.0))
    ax.axis("off")
    return fig


def _class_mask(img):
    """Per-pixel labels for the shapes scene: the grey level identifies the shape."""
    mask = np.zeros(img.shape, dtype=int)
    for label, level in ((1, 0.95), (2, 0.6), (3, 0.75)):
        mask[np.isclose(img, level)] = label
    return mask


def segmentation_scene(theme: Theme):
    img = nx.shapes_image()
    cmap = ListedColormap([theme.grid, *theme.accent[:3]])
    fig = new_figure(6.0, 2.6)
    left, mid, right = fig.subplots(1, 3)
    left.imshow(img, cmap="gray", interpolation="nearest")
    left.set_title("image")
    mask = _class_mask(img)
    mid.imshow(mask, cmap=cmap, vmin=0, vmax=3, interpolation="nearest")
    mid.set_title("target: one class per pixel")
    coarse = mask[4::8, 4::8]  # what a stride-8 score map can resolve
    right.imshow(coarse, cmap=cmap, vmin=0, vmax=3, interpolation="nearest")
    right.set_title("stride-8 score map")
    for ax in (left, mid, right):
        ax.set(xticks=[], yticks=[])
    return fig


def _stage(ax, x, y, text, color, w=1.5):
    ax.add_patch(FancyBboxPatch((x, y - 0.3), w, 0.6, boxstyle="round,pad=0.03",
                                fc=color, ec=color, alpha=0.3))
    ax.text(x + w / 2, y, text, ha="center", va="center", fontsize=9)


def _arrow(ax, x0, x1, y, theme):
    ax.annotate("", (x1, y), (x0, y), arrowprops=dict(arrowstyle="->", color=theme.fg))


def _pipeline(ax, y, stages, theme):
    x = 0.0
    for i, (text, color, w) in enumerate(stages):
        if i:
            _arrow(ax, x - 0.35, x - 0.05, y, theme)
        _stage(ax, x, y, text, color, w)
        x += w + 0.4


def detection_pipelines(theme: Theme):
    a = theme.accent
    fig = new_figure(7.8, 2.8)
    ax = fig.add_subplot()
    _pipeline(ax, 1.4, [("image", a[0], 0.9), ("~2000 proposals", a[0], 1.5),
                        ("warp each\nto 227×227", a[1], 1.3), ("CNN × 2000", a[3], 1.4),
                        ("SVM per class", a[2], 1.3)], theme)
    _pipeline(ax, 0.0, [("image", a[0], 0.9), ("CNN conv layers\n× 1", a[3], 1.5),
                        ("project each\nproposal", a[1], 1.3), ("SPP pooling\n(fixed length)", a[1], 1.4),
                        ("fc + SVM", a[2], 1.3)], theme)
    ax.text(-0.2, 1.4, "R-CNN", ha="right", va="center", fontweight="bold")
    ax.text(-0.2, 0.0, "SPPNet", ha="right", va="center", fontweight="bold")
    ax.set(xlim=(-1.3, 8.4), ylim=(-0.5, 1.9))
    ax.axis("off")
    return fig


def spp_pyramid(theme: Theme, levels=(4, 2, 1)):
    """Any window is cut into n×n bins per level and max-pooled per bin."""
    fig = new_figure(6.4, 2.4)
    axes = fig.subplots(1, len(levels))
    for ax, n, color in zip(axes, levels, theme.accent):
        for i in range(n):
            for j in range(n):
                ax.add_patch(Rectangle((j / n, i / n), 1 / n, 1 / n, fc=color, alpha=0.3,
                                       ec=theme.fg, lw=0.8))
        ax.set_title(f"{n}×{n} = {n * n} bin{'s' if n > 1 else ''}")
        ax.set(xlim=(0, 1), ylim=(0, 1), aspect="equal")
        ax.axis("off")
    total = sum(n * n for n in levels)
    fig.suptitle(f"{total} bins × 256 channels = {total * 256}-d vector, whatever the window size",
                 fontsize=10)
    return fig

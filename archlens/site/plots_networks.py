"""Figures for neural networks, convolution and stacks of 3×3 convolutions."""

from __future__ import annotations

import numpy as np
from matplotlib.patches import FancyBboxPatch, PathPatch, Rectangle
from matplotlib.path import Path

from archlens.site import numerics as nx
from archlens.site.figures import Theme, new_figure


def linear_layer(theme: Theme, n: int = 4, m: int = 3):
    """n inputs fully connected to m outputs: one weight per line, W is m×n."""
    fig = new_figure(5.2, 3.0)
    ax = fig.add_subplot()
    xin, xout = np.linspace(0, 1, n) * (n - 1), np.linspace(0.5, m - 0.5, m) * (n - 1) / m
    for yi in xin:
        for yo in xout:
            ax.plot([0, 2], [yi, yo], color=theme.grid, lw=1, zorder=1)
    ax.scatter(np.zeros(n), xin, s=500, color=theme.accent[0], zorder=2)
    ax.scatter(np.full(m, 2), xout, s=500, color=theme.accent[1], zorder=2)
    for i, yi in enumerate(xin):
        ax.text(0, yi, f"$x_{i + 1}$", ha="center", va="center", color="white")
    for j, yo in enumerate(xout):
        ax.text(2, yo, f"$y_{j + 1}$", ha="center", va="center", color="white")
    ax.text(1, n - 0.4, f"W: {m}×{n} weights, b: {m} biases", ha="center")
    ax.set(xlim=(-0.5, 2.5), ylim=(-0.6, n))
    ax.axis("off")
    return fig


def activations(theme: Theme):
    z = np.linspace(-4, 4, 201)
    fig = new_figure(5.6, 3.0)
    ax = fig.add_subplot()
    ax.plot(z, np.maximum(z, 0), label="ReLU  max(0, z)")
    ax.plot(z, 1 / (1 + np.exp(-z)), label="sigmoid  1/(1+e^(−z))")
    ax.plot(z, np.tanh(z), label="tanh z")
    ax.set(xlabel="z", ylim=(-1.2, 3))
    ax.grid(True, lw=0.5)
    ax.legend(loc="upper left")
    return fig


def _box(ax, xy, text, theme, color):
    # Pale fill and text in the foreground colour: readable in both schemes.
    ax.add_patch(FancyBboxPatch((xy[0] - 0.7, xy[1] - 0.22), 1.4, 0.44,
                                boxstyle="round,pad=0.02", fc=color, ec=color, alpha=0.3))
    ax.text(*xy, text, ha="center", va="center", fontsize=10)


def backprop_graph(theme: Theme):
    """The chain x → z = w1·x → h = relu(z) → ŷ = w2·h → L with values and gradients."""
    v = nx.backprop_example()
    nodes = [("x", v["x"], None), ("z = w1·x", v["z"], v["d_z"]), ("h = relu(z)", v["h"], v["d_h"]),
             ("ŷ = w2·h", v["y_hat"], v["d_yhat"]), ("L = (ŷ − y)²", v["loss"], 1.0)]
    fig = new_figure(7.6, 2.4)
    ax = fig.add_subplot()
    for i, (name, val, grad) in enumerate(nodes):
        x = 1.9 * i
        _box(ax, (x, 0), name, theme, theme.accent[0])
        ax.text(x, 0.42, f"= {val:.4g}", ha="center", color=theme.accent[2])
        if grad is not None:
            ax.text(x, -0.5, f"∂L/∂· = {grad:.4g}", ha="center", color=theme.accent[1], fontsize=9)
        if i:
            ax.annotate("", (x - 0.72, 0), (x - 1.18, 0),
                        arrowprops=dict(arrowstyle="->", color=theme.fg))
    ax.text(1.9, -0.95, f"∂L/∂w1 = {v['d_w1']:.4g}", ha="center", color=theme.accent[1])
    ax.text(5.7, -0.95, f"∂L/∂w2 = {v['d_w2']:.4g}", ha="center", color=theme.accent[1])
    ax.text(-0.8, 0.42, "forward", ha="right", color=theme.accent[2])
    ax.text(-0.8, -0.5, "backward", ha="right", color=theme.accent[1], fontsize=9)
    ax.set(xlim=(-2.0, 8.4), ylim=(-1.2, 0.7))
    ax.axis("off")
    return fig


def filtered_images(theme: Theme):
    img = nx.shapes_image()
    panels = [("input", img)] + [(name, nx.correlate2d(img, k)) for name, k in nx.KERNELS.items()]
    fig = new_figure(7.6, 2.2)
    for ax, (title, data) in zip(fig.subplots(1, len(panels)), panels):
        lo, hi = np.percentile(data, [1, 99])  # per-panel contrast: outputs differ in range
        ax.imshow(data, cmap="gray", vmin=lo, vmax=hi, interpolation="nearest")
        ax.set_title(title)
        ax.set(xticks=[], yticks=[])
    return fig


def _volume(ax, x, depth, size, color, label, theme):
    """A stack of `depth` square slices, drawn back to front with an offset."""
    for d in range(depth):
        ax.add_patch(Rectangle((x + 0.12 * d, 0.12 * d), size, size, fc=color, ec=theme.fg,
                               lw=0.6, alpha=0.85))
    ax.text(x + size / 2 + 0.06 * depth, -0.35, label, ha="center", va="top", fontsize=9)


def filter_tensor(theme: Theme):
    """C_in input maps, C_out filters of shape C_in×k×k, C_out output maps."""
    fig = new_figure(7.6, 2.6)
    ax = fig.add_subplot()
    _volume(ax, 0.0, 3, 2.0, theme.accent[0], "input\nC_in × H × W", theme)
    for f in range(2):
        _volume(ax, 3.3 + 1.4 * f, 3, 0.7, theme.accent[1], f"filter {f + 1}\nC_in×k×k", theme)
    ax.text(6.3, 0.6, "…", fontsize=16)
    _volume(ax, 7.3, 4, 1.6, theme.accent[2], "output\nC_out × H' × W'", theme)
    ax.text(4.6, 2.3, "weight tensor: C_out × C_in × k × k", ha="center")
    ax.set(xlim=(-0.2, 9.6), ylim=(-1.4, 2.7), aspect="equal")
    ax.axis("off")
    return fig


def _square(c: float, side: float, reverse: bool = False) -> Path:
    """A closed square of ``side`` centred on (c, c); ``reverse`` winds it the other way (a hole)."""
    h = side / 2
    corners = [(c - h, c - h), (c + h, c - h), (c + h, c + h), (c - h, c + h)]
    corners = corners[::-1] if reverse else corners
    return Path(corners + [corners[0]], [Path.MOVETO] + [Path.LINETO] * 3 + [Path.CLOSEPOLY])


def stacked_rf(theme: Theme, layers: int = 3):
    """Receptive field of one output unit after 1, 2, 3 stacked 3×3 convolutions."""
    size = 1 + 2 * layers
    fig = new_figure(3.6, 3.6)
    ax = fig.add_subplot()
    for i in range(size + 1):
        ax.plot([0, size], [i, i], color=theme.grid, lw=0.6)
        ax.plot([i, i], [0, size], color=theme.grid, lw=0.6)
    c = size / 2
    for n in range(layers, 0, -1):
        # A ring (the square minus the next smaller one), so the regions never overlap and each
        # is drawn in exactly its legend colour: overlapping translucent squares showed blends.
        r, inner = 1 + 2 * n, 2 * n - 1
        ring = Path.make_compound_path(_square(c, r), _square(c, inner, reverse=True))
        ax.add_patch(PathPatch(ring, fc=theme.accent[n - 1], alpha=0.35, ec=theme.accent[n - 1],
                               lw=2, label=f"{n} layer{'s' if n > 1 else ''}: {r}×{r}"))
    ax.add_patch(Rectangle((c - 0.5, c - 0.5), 1, 1, fc=theme.fg))
    ax.set(xlim=(0, size), ylim=(0, size), aspect="equal", xticks=[], yticks=[])
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=1, fontsize=8)
    return fig


def stacked_params(theme: Theme):
    labels = ["two 3×3", "one 5×5", "three 3×3", "one 7×7"]
    values = [2 * 9, 25, 3 * 9, 49]  # weights in units of C² (C channels in and out)
    fig = new_figure(5.2, 2.8)
    ax = fig.add_subplot()
    colors = [theme.accent[0], theme.accent[1]] * 2
    bars = ax.bar(labels, values, color=colors)
    for bar, v in zip(bars, values):
        ax.text(bar.get_x() + bar.get_width() / 2, v + 1, f"{v} C²", ha="center")
    ax.set(ylabel="weights (units of C²)", ylim=(0, 56))
    return fig

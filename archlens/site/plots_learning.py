"""Figures for the learning pages: model, losses, optimisation, generalisation.

Each function draws one figure for a given theme; numbers come from numerics.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from archlens.site import numerics as nx
from archlens.site.figures import Theme, new_figure

START = np.array([-1.0, -2.0])  # where the optimisers start: far from (a*, b*)
GD_LR, GD_STEPS = 0.05, 150


def model_fit(theme: Theme):
    x, y = nx.linear_data()
    a, b = nx.least_squares(x, y)
    fig = new_figure(5.6, 3.4)
    ax = fig.add_subplot()
    for xi, yi in zip(x, y):  # residuals: what the loss adds up
        ax.plot([xi, xi], [yi, a * xi + b], color=theme.grid, lw=1, zorder=1)
    ax.scatter(x, y, s=14, color=theme.accent[0], label="data $(x_i, y_i)$", zorder=2)
    xs = np.linspace(0, 3, 2)
    ax.plot(xs, a * xs + b, color=theme.accent[1], lw=2,
            label=f"model $\\hat y = {a:.2f}\\,x + {b:.2f}$")
    ax.set(xlabel="x", ylabel="y")
    ax.legend(loc="upper left")
    return fig


def loss_curves(theme: Theme):
    fig = new_figure(7.2, 3.0)
    left, right = fig.subplots(1, 2)
    r = np.linspace(-3, 3, 241)
    left.plot(r, r**2, label="squared error $r^2$")
    left.plot(r, np.abs(r), label="absolute error $|r|$")
    left.set(xlabel="residual $r = \\hat y - y$", ylabel="loss", ylim=(0, 6))
    left.legend(loc="upper center")
    p = np.linspace(0.01, 1, 200)
    right.plot(p, -np.log(p), color=theme.accent[2])
    right.set(xlabel="probability given to the true class $p$",
              ylabel="cross-entropy $-\\log p$", ylim=(0, 4.7))
    return fig


def likelihood(theme: Theme):
    rng = np.random.default_rng(nx.SEED + 4)
    data = rng.normal(1.0, 1.0, 12)
    mu = np.linspace(-1, 3, 201)
    nll = 0.5 * np.sum((data[None, :] - mu[:, None]) ** 2, axis=1) \
        + 0.5 * len(data) * np.log(2 * np.pi)  # Gaussian NLL with sigma = 1
    fig = new_figure(7.2, 3.0)
    left, right = fig.subplots(1, 2)
    left.scatter(data, np.zeros_like(data), marker="|", s=300, color=theme.fg)
    for m, c in ((0.0, theme.accent[1]), (data.mean(), theme.accent[0])):
        left.plot(mu, np.exp(-0.5 * (mu - m) ** 2) / np.sqrt(2 * np.pi), color=c,
                  label=f"$\\mu = {m:.2f}$")
    left.set(xlabel="x", ylabel="density", yticks=[])
    left.legend(loc="upper left")
    right.plot(mu, nll, color=theme.accent[0])
    right.axvline(data.mean(), color=theme.grid, ls="--")
    right.set(xlabel="$\\mu$", ylabel="negative log-likelihood")
    return fig


def _loss_contour(ax, theme: Theme):
    x, y = nx.linear_data()
    a, b = np.meshgrid(np.linspace(-1.5, 4.5, 121), np.linspace(-3, 5, 121))
    levels = np.geomspace(0.25, 80, 14)
    cs = ax.contour(a, b, nx.mse_surface(x, y, a, b), levels=levels,
                    colors=theme.grid, linewidths=0.8)
    ax.clabel(cs, cs.levels[::3], fmt="%.1f", fontsize=7)
    opt = nx.least_squares(x, y)
    ax.plot(*opt, marker="*", ms=12, color=theme.fg, ls="none", label="optimum")
    ax.set(xlabel="slope a", ylabel="intercept b")
    return x, y


def gd_contour(theme: Theme):
    fig = new_figure(7.2, 3.2)
    left, right = fig.subplots(1, 2)
    x, y = _loss_contour(left, theme)
    path = nx.gradient_descent(x, y, START, lr=GD_LR, steps=GD_STEPS)
    left.plot(path[:, 0], path[:, 1], marker=".", ms=3, lw=1, color=theme.accent[1],
              label="gradient descent")
    left.legend(loc="upper right", fontsize=8)
    best = nx.mse_surface(x, y, *nx.least_squares(x, y))
    # Plot the excess loss: on a log scale, steady (linear) convergence is a line.
    excess = nx.mse_surface(x, y, path[:, 0], path[:, 1]) - best
    right.semilogy(excess, color=theme.accent[1])
    right.set(xlabel="step", ylabel="MSE − optimum (log scale)")
    return fig


def optimizer_race(theme: Theme):
    fig = new_figure(5.6, 4.0)
    ax = fig.add_subplot()
    x, y = _loss_contour(ax, theme)
    for (name, path), color in zip(nx.minibatch_paths(x, y, START).items(), theme.accent[1:]):
        ax.plot(path[:, 0], path[:, 1], marker=".", ms=3, lw=1, color=color, label=name)
    ax.legend(loc="upper right", fontsize=8)
    return fig


DEGREES = list(range(0, 13))
BV_DEGREES = DEGREES[:10]
SHOWN = (1, 3, 12)


def poly_fits(theme: Theme):
    (xt, yt), _ = nx.degree_sweep(DEGREES)
    grid = np.linspace(0, 1, 300)
    fig = new_figure(7.6, 2.6)
    for ax, d in zip(fig.subplots(1, len(SHOWN), sharey=True), SHOWN):
        ax.plot(grid, nx.true_curve(grid), color=theme.grid, lw=2, label="truth")
        ax.plot(grid, nx.poly_fit(xt, yt, d)(grid), color=theme.accent[1], label="fit")
        ax.scatter(xt, yt, s=12, color=theme.accent[0], zorder=3)
        ax.set(title=f"degree {d}", ylim=(-2, 2), xlabel="x")
    ax.legend(loc="lower left", fontsize=8)
    return fig


def error_curves(theme: Theme):
    _, rows = nx.degree_sweep(DEGREES)
    fig = new_figure(5.6, 3.2)
    ax = fig.add_subplot()
    ax.semilogy(rows[:, 0], rows[:, 1], marker="o", ms=3, label="training error")
    ax.semilogy(rows[:, 0], rows[:, 2], marker="o", ms=3, label="validation error")
    ax.semilogy(rows[:, 0], rows[:, 3], marker="o", ms=3, ls="--", label="5-fold CV error")
    ax.axhline(nx.NOISE_SD**2, color=theme.grid, ls=":", label="noise variance")
    ax.set(xlabel="polynomial degree", ylabel="MSE (log scale)", xticks=DEGREES[::2])
    ax.legend(fontsize=8)
    return fig


def kfold_diagram(theme: Theme, k: int = 5):
    fig = new_figure(5.6, 2.4)
    ax = fig.add_subplot()
    for fold in range(k):
        for part in range(k):
            is_val = part == fold
            ax.add_patch(Rectangle((part, k - 1 - fold), 0.94, 0.8,
                                   color=theme.accent[1] if is_val else theme.accent[0],
                                   alpha=0.9 if is_val else 0.35))
        ax.text(-0.1, k - 0.6 - fold, f"round {fold + 1}", ha="right", va="center")
    ax.text(k + 0.1, k - 0.6, "validate on the\norange part,\ntrain on the rest",
            va="top", fontsize=9)
    ax.set(xlim=(-1.2, k + 1.6), ylim=(-0.2, k))
    ax.axis("off")
    return fig


def bias_variance_plot(theme: Theme):
    rows = nx.bias_variance(BV_DEGREES)
    fig = new_figure(5.6, 3.2)
    ax = fig.add_subplot()
    ax.semilogy(rows[:, 0], rows[:, 1], marker="o", ms=3, label="bias²")
    ax.semilogy(rows[:, 0], rows[:, 2], marker="o", ms=3, label="variance")
    total = rows[:, 1] + rows[:, 2] + nx.NOISE_SD**2
    ax.semilogy(rows[:, 0], total, marker="o", ms=3, color=theme.fg,
                label="bias² + variance + noise")
    ax.set(xlabel="polynomial degree", ylabel="squared error (log scale)")
    ax.legend(fontsize=8)
    return fig


def _nothing_recorded(fig, axes, message: str):
    """The figure a page shows when its recorded run is missing: a message, no axes."""
    for ax in axes:
        ax.text(0.5, 0.5, message, ha="center", va="center")
        ax.axis("off")
    return fig


def harness_run(theme: Theme, run: dict | None):
    """Training and validation loss and accuracy per epoch of a recorded harness run."""
    fig = new_figure(7.6, 2.8)
    left, right = fig.subplots(1, 2)
    if not run or not run.get("history"):
        return _nothing_recorded(fig, (left, right), "no recorded run")
    epochs = [h["epoch"] for h in run["history"]]
    for ax, key, label in ((left, "loss", "cross-entropy loss"), (right, "accuracy", "accuracy")):
        ax.plot(epochs, [h[f"train_{key}"] for h in run["history"]], marker="o", ms=3,
                label="training")
        ax.plot(epochs, [h[f"val_{key}"] for h in run["history"]], marker="o", ms=3,
                label="validation (held out)")
        ax.set(xlabel="epoch", ylabel=label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    left.legend(fontsize=8)
    return fig


def harness_folds(theme: Theme, run: dict | None, metric: str = "accuracy"):
    """Each fold's held-out metric of a recorded k-fold harness run, with mean and ± std."""
    fig = new_figure(5.6, 2.8)
    ax = fig.add_subplot()
    if not run or not run.get("per_fold"):
        return _nothing_recorded(fig, (ax,), "no recorded k-fold run")
    values = [f[metric] for f in run["per_fold"]]
    folds = range(1, len(values) + 1)
    mean, std = run["final"][metric], run["final_std"][metric]
    # points, not bars: the axis is zoomed to the spread, and bars would not start at zero
    ax.plot(folds, values, "o", ms=7, color=theme.accent[0], label="validated on fold k")
    ax.axhline(mean, color=theme.accent[1], label=f"mean {mean:.3f}")
    ax.axhspan(mean - std, mean + std, color=theme.accent[1], alpha=0.2, label=f"± std {std:.3f}")
    low = min(values) - 3 * max(std, 0.005)
    ax.set(xlabel="fold k", ylabel=f"validation {metric}", xticks=list(folds),
           ylim=(max(0.0, low), min(1.0, max(values) + 3 * max(std, 0.005))))
    ax.legend(fontsize=8, loc="lower right")
    return fig


def width_label(width: float) -> str:
    return f"1/{round(1 / width)}" if width < 1 else f"{width:g}"


def harness_bias_variance(theme: Theme, record: dict | None):
    """Bias², variance and expected error (left) and training / validation accuracy (right)
    against the width multiplier, from a recorded harness sweep (train/bias_variance.py)."""
    fig = new_figure(7.6, 3.0)
    left, right = fig.subplots(1, 2)
    if not record or not record.get("rows"):
        return _nothing_recorded(fig, (left, right), "no recorded sweep")
    rows = record["rows"]
    widths = [r["width"] for r in rows]
    for key, label in (("bias2", "bias²"), ("variance", "variance")):
        left.plot(widths, [r[key] for r in rows], marker="o", ms=3, label=label)
    left.plot(widths, [r["error"] for r in rows], marker="o", ms=3, color=theme.fg,
              label="expected error = bias² + variance")
    left.set(ylabel="squared error of probabilities")
    right.plot(widths, [r["train_accuracy"] for r in rows], marker="o", ms=3, label="training")
    right.plot(widths, [r["test_accuracy"] for r in rows], marker="o", ms=3,
               label="held out (test set)")
    right.set(ylabel="accuracy")
    for ax in (left, right):
        ax.set_xscale("log", base=2)
        ax.set_xticks(widths, [width_label(w) for w in widths], fontsize=7)
        ax.minorticks_off()
        ax.set(xlabel="width multiplier")
    left.legend(fontsize=7)
    right.legend(fontsize=7, loc="lower right")
    return fig

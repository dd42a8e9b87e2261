"""Charts for the spec pages and the model index, as reproducible light/dark SVGs.

Each public function takes data and returns a ``DrawFn`` (theme -> Figure) for
``figures.write_figure``; numbers come from profiles, never from the page text.
"""
from __future__ import annotations

from archlens.core.profile import ModelProfile
from archlens.render.diagram import boxes
from archlens.site.figures import DrawFn, Theme, new_figure


def _weighted(p: ModelProfile):
    return [lp for lp in p.layers if lp.params.total or lp.macs.value]


def layer_costs(p: ModelProfile) -> DrawFn:
    """Parameters and MACs of every weighted layer, as shares of the model's totals."""
    layers = _weighted(p)
    names = [lp.name for lp in layers]
    params = [lp.params.total / max(p.totals.params, 1) * 100 for lp in layers]
    macs = [lp.macs.value / max(p.totals.macs, 1) * 100 for lp in layers]

    def draw(theme: Theme):
        fig = new_figure(6.4, 4.2)
        top, bottom = fig.subplots(2, 1, sharex=True)
        for ax, values, what, colour in ((top, params, "parameters", theme.accent[0]),
                                         (bottom, macs, "MACs", theme.accent[1])):
            ax.bar(range(len(names)), values, color=colour)
            ax.set_ylabel(f"% of {what}")
            ax.grid(axis="y", linewidth=0.5)
        bottom.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
        return fig
    return draw


PLOTTABLE = 10**300   # strides multiply: a deep stack of huge ones outgrows float (10**308)


def rf_growth(p: ModelProfile) -> DrawFn | None:
    """Receptive-field size after each drawn layer (per axis when they differ)."""
    drawn = [b for b in boxes(p) if b.last.rf is not None and len(b.last.out_shape) == 3]
    if not drawn:
        return None
    heads = [b.last for b in drawn]  # the field after the folded layers, named by the box
    if max(max(lp.rf.size) for lp in heads) > PLOTTABLE:
        return None
    names = [b.head.name for b in drawn]
    rows = [float(lp.rf.size[0]) for lp in heads]
    cols = [float(lp.rf.size[1]) for lp in heads]
    image = p.input[1:]

    def draw(theme: Theme):
        fig = new_figure(6.4, 3.4)
        ax = fig.subplots()
        ax.plot(range(len(names)), rows, marker="o", markersize=3, label="receptive field (rows)")
        if cols != rows:
            ax.plot(range(len(names)), cols, marker="s", markersize=3, label="receptive field (cols)")
        ax.axhline(image[0], color=theme.fg, linestyle="--", linewidth=0.8,
                   label=f"input height {image[0]}")
        ax.set_ylabel("pixels")
        ax.set_xticks(range(len(names)), names, rotation=60, ha="right", fontsize=8)
        ax.grid(axis="y", linewidth=0.5)
        ax.legend(loc="upper left")
        return fig
    return draw


def model_comparison(rows: list[tuple[str, str, int, int]]) -> DrawFn:
    """Parameters and MACs of every model at its native input, as bars on a log scale."""
    names = [name for name, _, _, _ in rows]

    def draw(theme: Theme):
        fig = new_figure(6.4, 0.9 + 0.28 * len(rows))
        left, right = fig.subplots(1, 2, sharey=True)
        for ax, i, what, colour in ((left, 2, "parameters", theme.accent[0]),
                                    (right, 3, "MACs at the native input", theme.accent[1])):
            ax.barh(range(len(rows)), [max(r[i], 1) for r in rows], color=colour)
            ax.set_xscale("log")
            ax.set_xlabel(what)
            ax.grid(axis="x", linewidth=0.5)
        left.set_yticks(range(len(rows)), names, fontsize=8)
        left.invert_yaxis()
        return fig
    return draw


def cost_vs_proposals(curves: dict[str, tuple[list[int], list[int]]], highlight: str = "") -> DrawFn:
    """Per-image MACs against the number of proposals N, one line per pipeline."""
    def draw(theme: Theme):
        fig = new_figure(6.4, 3.6)
        ax = fig.subplots()
        for label, (ns, macs) in curves.items():
            ax.plot(ns, [m / 1e9 for m in macs], marker="o", markersize=3, label=label,
                    linewidth=2.5 if label == highlight else 1.0)
        ax.set_ylim(bottom=0)
        ax.set_xlabel("proposals per image (N)")
        ax.set_ylabel("GMAC per image")
        ax.grid(linewidth=0.5)
        ax.legend(loc="upper left")
        return fig
    return draw


BOOKKEEPING = ("lr", "time_s")   # logged per epoch but not metrics: they would set the y scale


def training_series(history: list[dict]) -> tuple[str | None, list[str]]:
    """The x key (epoch, step) and the metric series of a training history."""
    xkey = next((k for k in ("epoch", "step", "iteration")
                 if history and all(k in row for row in history)), None)
    keys = [k for k in (history[0] if history else {}) if k != xkey and k not in BOOKKEEPING
            and all(isinstance(row.get(k), (int, float)) for row in history)]
    return xkey, keys


def training_curves(history: list[dict]) -> DrawFn | None:
    """Losses (left) and other metrics (right) of a training history against its epoch."""
    xkey, keys = training_series(history)
    if not keys:
        return None
    xs = [row[xkey] for row in history] if xkey else list(range(1, len(history) + 1))
    losses = [k for k in keys if "loss" in k]
    others = [k for k in keys if k not in losses]

    def draw(theme: Theme):
        fig = new_figure(6.4, 3.2)
        axes = fig.subplots(1, 2 if losses and others else 1, squeeze=False)[0]
        for ax, group in zip(axes, [g for g in (losses, others) if g]):
            for k in group:
                ax.plot(xs, [row[k] for row in history], marker="o", markersize=3, label=k)
            ax.set_xlabel(xkey or "epoch")
            ax.set_ylabel("loss" if group is losses else "metric")
            ax.grid(linewidth=0.5)
            ax.legend()
        return fig
    return draw

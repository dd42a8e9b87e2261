"""The model page's recorded-run figure: the training points of ``archlens train
linear_regression --quick`` with the fitted line the run recorded and the true line.

The run's metrics.json (archlens/specs/recorded/linear_regression/) keeps the fitted slope and
intercept, the truth and the data settings but not the points; they are drawn again with the
generator the regression task trains on (``archlens.data.make_regression``, seeded as
``train.tasks.regression.line_data`` seeds the training set), so they are the points it fitted.
"""
from __future__ import annotations

import numpy as np

from archlens.site.figures import Theme, new_figure

RUN = "linear_regression"   # the recorded quick run (specs/recorded/<RUN>/metrics.json)


def recorded_line() -> dict | None:
    """The run's fitted and true lines, data settings and date; None when nothing is recorded."""
    from archlens.site.results import RECORDED, RESTORE, RecordedRunError, read_recorded
    path = RECORDED / RUN / "metrics.json"
    if not path.is_file():
        return None
    doc = read_recorded(path)   # readable JSON of the recorded-run shape, or a one-line error
    try:
        data, truth, final = doc["config"]["data"], doc["truth"], doc["final"]
        return {"slope": float(final["slope"]), "intercept": float(final["intercept"]),
                "true_slope": float(truth["slope"]), "true_intercept": float(truth["intercept"]),
                "noise": float(data["noise_std"]), "n": int(data["n_train"]),
                "seed": int(data["seed"]), "val_loss": final.get("val_loss"),
                "when": str(doc.get("recorded", "date not recorded")).split(" by ")[0],
                "file": f"archlens/specs/recorded/{RUN}/metrics.json"}
    except (KeyError, TypeError, ValueError) as exc:
        raise RecordedRunError(f"{path}: no fitted line, truth or data settings to draw "
                               f"({type(exc).__name__}: {exc}); {RESTORE}") from None


def training_points(run: dict) -> tuple[np.ndarray, np.ndarray]:
    """The training set of the recorded run, drawn again from its seed (float32, as trained)."""
    from archlens.data import make_regression
    d = make_regression(run["n"], run["true_slope"], run["true_intercept"], run["noise"],
                        seed=run["seed"])
    return d.x, d.y


def _line(slope: float, intercept: float, fmt: str) -> str:
    sign = "−" if intercept < 0 else "+"
    return f"y = {slope:{fmt}}x {sign} {abs(intercept):{fmt}}"


def _no_record(theme: Theme):
    fig = new_figure(6.4, 1.2)
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, f"no recorded run of {RUN} (scripts/record_quick_runs.py {RUN})",
            ha="center", va="center")
    ax.axis("off")
    return fig


def recorded_fit(theme: Theme, run: dict | None):
    """``run``: ``recorded_line()``; None draws a note that nothing is recorded."""
    if run is None:
        return _no_record(theme)
    x, y = training_points(run)
    fig = new_figure(6.4, 3.8)
    ax = fig.add_subplot()
    ax.scatter(x, y, s=4, alpha=0.35, color=theme.accent[0], linewidths=0, gid="points",
               label=f"{run['n']:,} training points (seed {run['seed']})")
    ends = np.array([x.min(), x.max()], dtype=np.float64)
    ax.plot(ends, run["slope"] * ends + run["intercept"], color=theme.accent[1], lw=3,
            gid="fit", label=f"fitted (recorded run): {_line(run['slope'], run['intercept'], '.4f')}")
    ax.plot(ends, run["true_slope"] * ends + run["true_intercept"], color=theme.fg, lw=1.2,
            ls=(0, (4, 3)), gid="truth",
            label=f"true line: {_line(run['true_slope'], run['true_intercept'], 'g')}")
    ax.set(xlabel="x", ylabel="y")
    ax.grid(True, lw=0.5)
    ax.legend(loc="upper left", fontsize=9, markerscale=3)
    return fig

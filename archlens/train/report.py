"""What a run leaves behind: ``metrics.json``, ``metrics.csv`` and learning curves (SVG, PNG).

``metrics.json`` holds ``history`` (one object per epoch: train and validation loss and metric)
and ``final`` (named validation metrics of the last epoch plus facts read off the model). Curves
plot train against validation per epoch, so a widening gap (overfitting) is visible.
"""
from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from archlens.files import write_bytes_atomically, write_text_atomically  # noqa: E402

# Byte-reproducible SVG (DESIGN.md, "Plots"): text stays text, fixed ids, no timestamp.
_RC = {"svg.fonttype": "none", "svg.hashsalt": "archlens", "font.size": 9}


def final_metrics(history: list[dict], after_training: dict) -> dict:
    """Validation metrics of the last epoch (``val_`` prefix dropped except for the loss)."""
    last = history[-1] if history else {}
    out = {("val_loss" if k == "val_loss" else k[4:]): v for k, v in last.items()
           if k.startswith("val_")}
    return {**out, **after_training}


def write_metrics(out: Path, summary: dict) -> None:
    write_text_atomically(out / "metrics.json", json.dumps(_finite(summary), indent=2) + "\n")
    write_text_atomically(out / "metrics.csv", history_csv(summary["history"]))


def _finite(value):
    """JSON has no NaN: write null for a metric that is undefined."""
    if isinstance(value, dict):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return None if isinstance(value, float) and not math.isfinite(value) else value


def history_csv(history: list[dict]) -> str:
    columns = list(dict.fromkeys(k for row in history for k in row))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(history)
    return buf.getvalue()


def plot_curves(out: Path, history: list[dict], metric: str | None, title: str) -> list[Path]:
    """Loss (and the headline metric) per epoch, train vs validation; SVG and PNG."""
    panels = [("loss", "loss")] + ([(metric, metric)] if metric else [])
    with plt.rc_context(_RC):
        fig, axes = plt.subplots(1, len(panels), figsize=(4.2 * len(panels), 3.2), squeeze=False)
        for ax, (key, label) in zip(axes[0], panels):
            _panel(ax, history, key, label)
        fig.suptitle(title)
        fig.tight_layout()
        paths = [out / "curves.svg", out / "curves.png"]
        for path in paths:
            buf = io.BytesIO()
            fig.savefig(buf, format=path.suffix[1:], metadata=_metadata(path), dpi=120)
            write_bytes_atomically(path, buf.getvalue())
        plt.close(fig)
    return paths


def _metadata(path: Path) -> dict:
    return {"Date": None} if path.suffix == ".svg" else {"Software": None}


def _panel(ax, history: list[dict], key: str, label: str) -> None:
    epochs = [row["epoch"] for row in history]
    for split, style in (("train", "-o"), ("val", "-s")):
        values = [row.get(f"{split}_{key}") for row in history]
        if any(v is not None for v in values):
            ax.plot(epochs, [math.nan if v is None else v for v in values], style, ms=3,
                    label="validation" if split == "val" else split)
    ax.set_xlabel("epoch")
    ax.set_ylabel(label)
    ax.grid(alpha=0.3)
    ax.legend()

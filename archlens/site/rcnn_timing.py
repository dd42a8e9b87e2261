"""The detection page's wall-clock table: R-CNN vs SPPNet seconds per image as measured by
``benchmarks/rcnn_vs_sppnet.py --record``, beside the MAC ratios the profile gives now.

Only the seconds and the machine come from the record; the MAC ratios (all stages, and the
conv stages alone) are computed by ``archlens.detection.profile_stages`` when the page is built,
so a changed spec changes them. No record: the page says the benchmark has not been run.
"""
from __future__ import annotations

import math

from archlens.site.results import RECORDED, read_recorded

RECORD = RECORDED / "rcnn-vs-sppnet" / "metrics.json"   # package data, as the quick runs
SPECS = ("rcnn_zf5", "sppnet_zf5")
# He et al., TPAMI 2015, abstract: SPPNet "computes convolutional features 24-102x faster than
# R-CNN" at test time (GPU, ZF-5/OverFeat; the ECCV 2014 version: conv 30-170x, 24-64x overall).
PAPER = "24-102×"
ROW_KEYS = {"n": int, "rcnn_s": (int, float), "sppnet_s": (int, float)}


def read_record(path=None) -> dict | None:
    """The recorded benchmark, checked; None when it was never recorded."""
    path = path or RECORD
    if not path.is_file():
        return None
    return read_recorded(path, _problem)


def _problem(doc) -> str | None:
    if not isinstance(doc, dict) or not isinstance(doc.get("rows"), list) or not doc["rows"]:
        return "'rows' must be a non-empty list of measured rows"
    for row in doc["rows"]:
        if not isinstance(row, dict):
            return "each row must be an object with n, rcnn_s and sppnet_s"
        for key, kind in ROW_KEYS.items():
            value = row.get(key)
            if not isinstance(value, kind) or isinstance(value, bool) or value <= 0:
                return f"row {row.get('n')!r}: '{key}' must be a positive number, got {value!r}"
    if not isinstance(doc.get("machine"), dict):
        return "'machine' must be an object (cpu, threads, torch)"
    return None


def mac_ratios(n: int) -> tuple[float, float]:
    """R-CNN over SPPNet multiply-accumulates per image at N proposals: all stages, conv alone."""
    from archlens.detection.profile_stages import profile_stages
    rcnn, spp = (profile_stages(name, n) for name in SPECS)
    return (rcnn.totals.macs / spp.totals.macs,
            rcnn.stage("conv").macs_total / spp.stage("conv").macs_total)


def timing_table(path=None) -> dict | None:
    """Rows for the page (measured seconds and ratio, MAC ratios) and the record's facts."""
    doc = read_record(path)
    if doc is None:
        return None
    rows = []
    for r in doc["rows"]:
        macs, conv = mac_ratios(r["n"])
        rows.append({"n": r["n"], "rcnn_s": r["rcnn_s"], "sppnet_s": r["sppnet_s"],
                     "measured": r["rcnn_s"] / r["sppnet_s"], "macs": macs, "conv": conv,
                     "from": r.get("rcnn_extrapolated_from")})
    m, conv_one = doc["machine"], mac_ratios(1)[1]
    return {"conv_one": conv_one, "conv_24": math.ceil(24 / conv_one),"rows": rows, "mode": doc.get("mode", "default"), "when": doc.get("recorded", "date not recorded"),
            "command": doc.get("command", "python benchmarks/rcnn_vs_sppnet.py --record"),
            "cpu": m.get("cpu", "unknown CPU"), "threads": m.get("threads"), "torch": m.get("torch"),
            "cores": m.get("cores"), "load": m.get("load_average"), "repeat": doc.get("repeat", 1),
            "extrapolated": any(r["from"] for r in rows)}

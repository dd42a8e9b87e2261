"""Wall-clock inference of R-CNN vs SPPNet with the same ZF-5 weights on the same image.

For N = 100, 500, 2000 proposals (CPU): R-CNN warps every proposal and runs the whole CNN on
it; SPPNet runs the convolutions once on the image resized to shorter side 688 and pools each
projected window. Beside the measured ratio: the analytic MAC ratio from
``archlens.detection.profile_stages`` (all stages, and the conv stages alone).

The weights are shared wherever the shapes allow: conv1-conv5, fc7 and fc8 are the same
tensors; fc6 differs by construction (R-CNN reads pool5, 6x6x256 = 9,216 numbers; SPPNet the
pyramid, 12,800). Each pipeline runs once per N after a warm-up (``--repeat R``: the best of R). R-CNN cost is linear in N
(every region is an independent forward pass), so by default its N = 2000 run is extrapolated
from the N = 500 run (marked "*"); ``--full`` runs it too (several more minutes on 2 cores).
``--quick`` (about a minute on 2 cores) times N = 100 and 500 and runs R-CNN at N = 100 only,
extrapolating its N = 500 time per region the same way.

``--record`` writes the measured seconds, with the machine (CPU model, torch threads, torch
version, load average) and the date, to archlens/specs/recorded/rcnn-vs-sppnet/metrics.json,
which the detection concept page tables beside the MAC ratios the profile gives at build time.

    python benchmarks/rcnn_vs_sppnet.py [--quick | --full] [--sizes 100 500 2000] [--repeat R] [--record]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from archlens.detection.detector import build_detector
from archlens.detection.profile_stages import profile_stages
from archlens.detection.proposals import propose
from archlens.files import write_text_atomically
from archlens.site.rcnn_timing import RECORD

QUICK_SIZES, QUICK_MEASURED = [100, 500], 100   # --quick: R-CNN timed at N = 100 only


def scene(h: int = 375, w: int = 500) -> torch.Tensor:
    """A deterministic VOC-sized test image (3, H, W) in 0..255: shapes on a gradient."""
    g = torch.Generator().manual_seed(0)
    ys, xs = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    image = torch.stack([xs * 255 / w, ys * 255 / h, torch.full((h, w), 128.0)])
    for _ in range(6):
        cy, cx, r = torch.randint(40, h - 40, (1,), generator=g), \
            torch.randint(40, w - 40, (1,), generator=g), torch.randint(15, 60, (1,), generator=g)
        inside = (ys - cy) ** 2 + (xs - cx) ** 2 < r ** 2
        image[:, inside] = torch.rand(3, 1, generator=g) * 255
    return image


def timed(fn, repeat: int = 1) -> float:
    """The best of ``repeat`` wall-clock runs of ``fn`` (the least disturbed by other jobs)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def shared_weights(rcnn, spp) -> None:
    """SPPNet takes every R-CNN tensor whose name and shape match (all but fc6)."""
    theirs = rcnn.network.state_dict()
    mine = {k: v for k, v in theirs.items() if spp.network.state_dict()[k].shape == v.shape}
    spp.network.load_state_dict(mine, strict=False)
    spp.head.load_state_dict({k: v for k, v in rcnn.head.state_dict().items()
                              if spp.head.state_dict()[k].shape == v.shape}, strict=False)


def cpu_model() -> str:
    """The CPU's model name (Linux /proc/cpuinfo; elsewhere what platform reports)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine() -> dict:
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "threads": torch.get_num_threads(),
            "torch": torch.__version__, "python": platform.python_version(),
            "load_average": round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None}


def measure(rcnn, spp, image, sizes, rcnn_up_to: int | None, repeat: int = 1) -> list[dict]:
    """One row per N: seconds per image of each pipeline (best of ``repeat``); R-CNN is timed
    while N <= rcnn_up_to (all N when None), beyond that extrapolated from the last timed run's
    time per region."""
    rows, per_region, last = [], None, None
    for n in sizes:
        boxes, _ = propose(image, n)
        spp_s = timed(lambda boxes=boxes: spp(image, boxes), repeat)
        if rcnn_up_to is None or last is None or n <= rcnn_up_to:
            rcnn_s, from_n = timed(lambda boxes=boxes: rcnn(image, boxes), repeat), None
            per_region, last = rcnn_s / len(boxes), len(boxes)
        else:
            rcnn_s, from_n = per_region * len(boxes), last
        rows.append({"n": len(boxes), "rcnn_s": round(rcnn_s, 3), "sppnet_s": round(spp_s, 3),
                     "rcnn_extrapolated_from": from_n})
    return rows


def print_rows(rows: list[dict]) -> None:
    print(f"{'N':>5} {'R-CNN s':>9} {'SPPNet s':>9} {'measured':>9} {'MAC ratio':>10} "
          f"{'conv MAC ratio':>15}")
    for r in rows:
        a, b = profile_stages("rcnn_zf5", r["n"]), profile_stages("sppnet_zf5", r["n"])
        conv = a.stage("conv").macs_total / b.stage("conv").macs_total
        mark = "*" if r["rcnn_extrapolated_from"] else " "
        print(f"{r['n']:>5} {r['rcnn_s']:>8.2f}{mark} {r['sppnet_s']:>9.2f} "
              f"{r['rcnn_s'] / r['sppnet_s']:>8.1f}x {a.totals.macs / b.totals.macs:>9.1f}x "
              f"{conv:>14.1f}x")
    for r in rows:
        if r["rcnn_extrapolated_from"]:
            print(f"* R-CNN at N = {r['n']}: extrapolated from the N = {r['rcnn_extrapolated_from']}"
                  " run's time per region")


def record_doc(rows: list[dict], mode: str, repeat: int, argv: list[str], image: list[int]) -> dict:
    """What --record writes: the measured seconds and the machine, no derived ratio (the page
    computes the MAC ratios from the profile when it is built)."""
    return {"benchmark": "benchmarks/rcnn_vs_sppnet.py", "mode": mode, "repeat": repeat,
            "command": " ".join(["python", "benchmarks/rcnn_vs_sppnet.py", *argv]),
            "specs": ["rcnn_zf5", "sppnet_zf5"], "image": image, "device": "cpu",
            "machine": machine(), "rows": rows,
            "recorded": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=None,
                        help="numbers of proposals N (default 100 500 2000; --quick: 100 500)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--full", action="store_true", help="run R-CNN at every N (slow)")
    mode.add_argument("--quick", action="store_true",
                      help=f"N = {QUICK_SIZES}, R-CNN timed at N = {QUICK_MEASURED} only")
    parser.add_argument("--repeat", type=int, default=1,
                        help="time each pipeline this many times per N and keep the best")
    parser.add_argument("--record", action="store_true", help=f"write the result to {RECORD}")
    args = parser.parse_args()
    if args.repeat < 1 or any(n < 1 for n in args.sizes or [1]):
        parser.error("--repeat and --sizes need whole numbers >= 1")
    sizes = args.sizes or (QUICK_SIZES if args.quick else [100, 500, 2000])
    rcnn_up_to = None if args.full else QUICK_MEASURED if args.quick else 500
    torch.set_num_threads(os.cpu_count() or 1)
    image = scene()
    rcnn, spp = build_detector("rcnn_zf5"), build_detector("sppnet_zf5")
    shared_weights(rcnn, spp)
    warm, _ = propose(image, 16)
    rcnn(image, warm), spp(image, warm)
    print(f"CPU threads: {torch.get_num_threads()}; image 3x375x500; ZF-5 weights shared "
          f"(fc6 differs: 9,216 vs 12,800 inputs); proposals: sliding windows")
    rows = measure(rcnn, spp, image, sizes, rcnn_up_to, args.repeat)
    print_rows(rows)
    if args.record:
        mode = "quick" if args.quick else "full" if args.full else "default"
        doc = record_doc(rows, mode, args.repeat, sys.argv[1:], list(image.shape))
        RECORD.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(RECORD, json.dumps(doc, indent=1, sort_keys=True) + "\n")
        print(f"recorded in {RECORD}")


if __name__ == "__main__":
    main()

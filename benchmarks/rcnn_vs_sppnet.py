"""Wall-clock inference of R-CNN vs SPPNet with the same ZF-5 weights on the same image.

For N = 100, 500, 2000 proposals (CPU): R-CNN warps every proposal and runs the whole CNN on
it; SPPNet runs the convolutions once on the image resized to shorter side 688 and pools each
projected window. Beside the measured ratio: the analytic MAC ratio from
``archlens.detection.profile_stages`` (all stages, and the conv stages alone).

The weights are shared wherever the shapes allow: conv1-conv5, fc7 and fc8 are the same
tensors; fc6 differs by construction (R-CNN reads pool5, 6x6x256 = 9,216 numbers; SPPNet the
pyramid, 12,800). Each pipeline runs once per N after a warm-up. R-CNN cost is linear in N
(every region is an independent forward pass), so by default its N = 2000 run is extrapolated
from the N = 500 run (marked "*"); ``--full`` runs it too (several more minutes on 2 cores).

    python benchmarks/rcnn_vs_sppnet.py [--full] [--sizes 100 500 2000]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from archlens.detection.detector import build_detector
from archlens.detection.profile_stages import profile_stages
from archlens.detection.proposals import propose


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


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def shared_weights(rcnn, spp) -> None:
    """SPPNet takes every R-CNN tensor whose name and shape match (all but fc6)."""
    theirs = rcnn.network.state_dict()
    mine = {k: v for k, v in theirs.items() if spp.network.state_dict()[k].shape == v.shape}
    spp.network.load_state_dict(mine, strict=False)
    spp.head.load_state_dict({k: v for k, v in rcnn.head.state_dict().items()
                              if spp.head.state_dict()[k].shape == v.shape}, strict=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 500, 2000])
    parser.add_argument("--full", action="store_true", help="run R-CNN at every N (slow)")
    args = parser.parse_args()
    torch.set_num_threads(os.cpu_count() or 1)
    image = scene()
    rcnn, spp = build_detector("rcnn_zf5"), build_detector("sppnet_zf5")
    shared_weights(rcnn, spp)
    warm, _ = propose(image, 16)
    rcnn(image, warm), spp(image, warm)
    print(f"CPU threads: {torch.get_num_threads()}; image 3x375x500; ZF-5 weights shared "
          f"(fc6 differs: 9,216 vs 12,800 inputs); proposals: sliding windows")
    print(f"{'N':>5} {'R-CNN s':>9} {'SPPNet s':>9} {'measured':>9} {'MAC ratio':>10} "
          f"{'conv MAC ratio':>15}")
    rcnn_per_region, last = None, None
    for n in args.sizes:
        boxes, _ = propose(image, n)
        spp_s = timed(lambda boxes=boxes: spp(image, boxes))
        if args.full or last is None or n <= 500:
            rcnn_s, mark = timed(lambda boxes=boxes: rcnn(image, boxes)), ""
            rcnn_per_region, last = rcnn_s / len(boxes), n
        else:
            rcnn_s, mark = rcnn_per_region * len(boxes), "*"
        a, b = profile_stages("rcnn_zf5", len(boxes)), profile_stages("sppnet_zf5", len(boxes))
        conv = a.stage("conv").macs_total / b.stage("conv").macs_total
        print(f"{len(boxes):>5} {rcnn_s:>8.2f}{mark or ' '} {spp_s:>9.2f} {rcnn_s / spp_s:>8.1f}x "
              f"{a.totals.macs / b.totals.macs:>9.1f}x {conv:>14.1f}x")
    if not args.full:
        print(f"* extrapolated from the N = {last} run: {rcnn_per_region * 1e3:.1f} ms per region")


if __name__ == "__main__":
    main()

"""Profile speed and footprint: archlens vs torchinfo and fvcore on VGG-16, measured in one run.

Prints times side by side and the ratios the core issue targets:
- in-process `archlens.profile("vgg16")` at least 100x faster than torchinfo.summary at 224;
- archlens at 1024 within 1.5x of archlens at 224 (analysis cost does not grow with pixels);
- the whole `archlens profile vgg16 --format json` process under 0.3 s and 80 MiB, no torch.
Run: .venv/bin/python benchmarks/profile_speed.py [--repeat N]
"""
from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def archlens_inprocess(size: int, repeat: int) -> float:
    import archlens
    return best_of(lambda: archlens.profile("vgg16", input=(3, size, size)), repeat)


def peers(size: int, repeat: int) -> tuple[float, float]:
    import logging

    import torch
    import torchinfo
    from fvcore.nn import FlopCountAnalysis

    import archlens
    logging.getLogger("fvcore").setLevel(logging.ERROR)
    model = archlens.build_model("vgg16", input=(3, size, size)).eval()
    x = torch.zeros(1, 3, size, size)
    with torch.no_grad():
        t_info = best_of(lambda: torchinfo.summary(model, input_size=(1, 3, size, size), verbose=0), repeat)
        t_fv = best_of(lambda: FlopCountAnalysis(model, x).unsupported_ops_warnings(False)
                       .uncalled_modules_warnings(False).total(), repeat)
    return t_info, t_fv


def process(cmd: list[str], repeat: int) -> tuple[float, float]:
    """(best wall seconds, max RSS MiB) of a whole process."""
    walls = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        walls.append(time.perf_counter() - t)
    rss_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return min(walls), rss_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ours = {s: archlens_inprocess(s, 20 * args.repeat) for s in (224, 1024)}
    cli_wall, cli_rss = process([sys.executable, "-m", "archlens", "profile", "vgg16", "--format", "json"],
                                args.repeat * 3)
    ti_code = ("import torch, torchinfo, archlens; m = archlens.build_model('vgg16');"
               "torchinfo.summary(m, input_size=(1, 3, 224, 224), verbose=0)")
    ti_wall, ti_rss = process([sys.executable, "-c", ti_code], 1)  # RSS is the max over children
    theirs = {s: peers(s, args.repeat if s == 224 else 1) for s in (224, 1024)}
    rows = [("archlens.profile (in-process)", ours[224], ours[1024]),
            ("torchinfo.summary", theirs[224][0], theirs[1024][0]),
            ("fvcore FlopCountAnalysis", theirs[224][1], theirs[1024][1])]
    print("VGG-16, best of repeats, seconds")
    print(f"{'':32}{'224x224':>12}{'1024x1024':>12}")
    for name, a, b in rows:
        print(f"{name:32}{a:12.4f}{b:12.4f}")
    print()
    print(f"torchinfo / archlens at 224:        {theirs[224][0] / ours[224]:8.0f}x  (target >= 100x)")
    print(f"fvcore / archlens at 224:           {theirs[224][1] / ours[224]:8.0f}x")
    print(f"archlens 1024 / archlens 224:       {ours[1024] / ours[224]:8.2f}x  (target <= 1.5x)")
    print(f"`archlens profile vgg16 --format json` process: {cli_wall:.3f} s (target < 0.3 s), "
          f"{cli_rss:.0f} MiB max RSS (target < 80 MiB)")
    print(f"python process running torchinfo at 224: {ti_wall:.2f} s, {ti_rss:.0f} MiB max RSS")


if __name__ == "__main__":
    main()

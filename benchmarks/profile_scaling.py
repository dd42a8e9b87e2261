"""Profile time against spec length: the whole `archlens profile FILE --format json` process.

Generates sequential specs of 1,000 / 10,000 / 100,000 layers (conv 1x1 and relu alternating on a
4x8x8 input, so every shape stays valid), each listed in spec order and reversed (every layer
names its `inputs:`, so the reversed file is the same network), and times the whole process.
Targets (issue 12):
- a 10,000-layer spec, in any order, profiles in <= 1 s as a whole process;
- growth is linear: the ratios 10k/1k and 100k/10k stay near 10 (well under 100, which
  quadratic wiring or ordering would give).
Run: .venv/bin/python benchmarks/profile_scaling.py [--repeat N] [--sizes 1000 10000 100000]
     [--compile-each-run]
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CONV = "kind: conv, out_channels: 4, kernel_size: 1"
RELU = "kind: relu"


def spec_text(n: int, reverse: bool) -> str:
    """A chain of ``n`` layers, each naming its input, listed first to last or last to first."""
    lines = []
    for i in range(n):
        source = "input" if i == 0 else f"l{i - 1}"
        lines.append(f"  - {{name: l{i}, inputs: {source}, {CONV if i % 2 == 0 else RELU}}}")
    if reverse:
        lines.reverse()
    return "\n".join([f"name: chain_{n}", "input: [4, 8, 8]", "layers:", *lines]) + "\n"


# The children may cache archlens' bytecode, as an installed package has it compiled: where the
# environment sets PYTHONDONTWRITEBYTECODE (this machine does), every run would compile every
# archlens module again first (about 0.1 s, the same at any spec length). --compile-each-run
# measures that case.
CACHED_BYTECODE = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def timed(path: Path, repeat: int, env: dict | None = None) -> tuple[float, float]:
    """(best wall seconds, best CPU seconds) of the whole process over ``repeat`` runs, after
    one untimed run (which writes the bytecode cache).

    CPU time (user + system of the child) is shown too: on a shared machine, wall time
    includes waiting for a core.
    """
    cmd = [sys.executable, "-m", "archlens", "profile", str(path), "--format", "json"]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        walls.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), min(cpus)


def measure(sizes: list[int], repeat: int, folder: Path, env: dict | None) -> dict[str, dict[int, float]]:
    """Rows 'in order' / 'reversed', wall and CPU: {row: {layers: seconds}}."""
    rows: dict[str, dict[int, float]] = {}
    for n in sizes:
        for order, reverse in (("in order", False), ("reversed", True)):
            path = folder / f"chain_{n}_{order.replace(' ', '_')}.yaml"
            path.write_text(spec_text(n, reverse), encoding="utf-8")
            wall, cpu = timed(path, repeat if n <= 10_000 else 1, env)
            rows.setdefault(f"{order}, wall", {})[n] = wall
            rows.setdefault(f"{order}, CPU", {})[n] = cpu
    return rows


def report(rows: dict[str, dict[int, float]], sizes: list[int]) -> None:
    print("`archlens profile FILE --format json`, whole process, best of repeats, seconds")
    print(f"{'':18}" + "".join(f"{n:>10,}" for n in sizes) + "".join(
        f"{f'{b // 1000}k/{a // 1000}k':>10}" for a, b in zip(sizes, sizes[1:])))
    for name, row in rows.items():
        ratios = [row[b] / row[a] for a, b in zip(sizes, sizes[1:])]
        print(f"{name:18}" + "".join(f"{row[n]:10.3f}" for n in sizes)
              + "".join(f"{r:9.1f}x" for r in ratios))
    print()
    if 10_000 in sizes:
        worst = max(row[10_000] for name, row in rows.items() if name.endswith("wall"))
        verdict = "met" if worst <= 1.0 else "NOT met"
        print(f"10,000 layers, slower order: {worst:.3f} s wall (target <= 1 s, any order): {verdict}")
    print("growth: each ratio should be near the size ratio (10x); quadratic work shows as ~100x")
    for a, b in zip(sizes, sizes[1:]):
        worst = max(row[b] / row[a] for name, row in rows.items() if name.endswith("CPU"))
        verdict = "linear" if worst <= 2 * b / a else "SUPERLINEAR"
        print(f"  {a:,} -> {b:,} layers ({b / a:g}x): CPU time grows at most {worst:.1f}x: {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size up to 10,000 (100,000: one)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--compile-each-run", action="store_true",
                        help="keep the environment's PYTHONDONTWRITEBYTECODE (no bytecode cache)")
    args = parser.parse_args()
    env = None if args.compile_each_run else CACHED_BYTECODE
    with tempfile.TemporaryDirectory() as tmp:
        rows = measure(args.sizes, args.repeat, Path(tmp), env)
    report(rows, args.sizes)
    print("bytecode: " + ("as the environment has it (PYTHONDONTWRITEBYTECODE="
                          f"{os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r})" if args.compile_each_run
                          else "cached, as an installed package has it"))


if __name__ == "__main__":
    main()

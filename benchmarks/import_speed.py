"""Import speed: `archlens import` of ResNet-50 beside `import torch` alone, the profile of the
written YAML as a whole process, and torchinfo on the same model in one run (issue 15).

Targets: the import at most 1.5 s above `import torch`; `archlens profile FILE.yaml` under
0.3 s as a whole process, loading no torch. Every time is the best of --repeat whole processes,
wall and CPU (user + system of the child) apart: on a shared machine the wall time carries the
other users' load (printed), the CPU time only this process's work. The header says whether
Python writes bytecode (with PYTHONDONTWRITEBYTECODE set, a checkout that has no __pycache__
compiles archlens from source in every process: a few tenths of a second).
Run: .venv/bin/python benchmarks/import_speed.py [--repeat N]
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

ROOT = Path(__file__).resolve().parent.parent
TARGET = "tests/zoo_models.py:resnet50"


def best_process(cmd: list[str], repeat: int) -> tuple[float, float]:
    """(best wall seconds, best CPU seconds: user + system) of a whole process."""
    walls, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        walls.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return min(walls), min(cpus)


TORCHINFO = ("import sys; sys.path.insert(0, 'tests'); import torchinfo, zoo_models; "
             "torchinfo.summary(zoo_models.resnet50(), input_size=(1, 3, 224, 224), verbose=0)")
NO_TORCH = ("import sys; from archlens.cli import main; rc = main(['profile', sys.argv[1], "
            "'--format', 'json']); assert 'torch' not in sys.modules; sys.exit(rc)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "resnet50.yaml")
        t_torch = best_process([py, "-c", "import torch"], repeat)
        t_import = best_process([py, "-m", "archlens", "import", TARGET, "--out", out, "--force"], repeat)
        t_profile = best_process([py, "-m", "archlens", "profile", out, "--format", "json"], repeat)
        subprocess.run([py, "-c", NO_TORCH, out], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        t_info = best_process([py, "-c", TORCHINFO], repeat)
    wall, cpu = t_import[0] - t_torch[0], t_import[1] - t_torch[1]
    rows = [("python -c 'import torch'", t_torch, ""),
            (f"archlens import {TARGET}", t_import,
             f"over import torch: wall {wall:+.2f} s ({'met' if wall <= 1.5 else 'MISSED'}), "
             f"CPU {cpu:+.2f} s ({'met' if cpu <= 1.5 else 'MISSED'}); target <= +1.5 s"),
            ("archlens profile resnet50.yaml --format json", t_profile,
             f"target < 0.3 s, no torch loaded: {'met' if t_profile[0] < 0.3 else 'MISSED'}"),
            ("torchinfo.summary(resnet50) process, 224", t_info, "")]
    cache = "not written (PYTHONDONTWRITEBYTECODE)" if sys.flags.dont_write_bytecode else "written"
    print(f"seconds, best of {repeat} whole processes (ResNet-50 at 3x224x224); load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; bytecode {cache}")
    print(f"{'':<52} {'wall':>7} {'CPU':>7}")
    for name, (wall, cpu), note in rows:
        print(f"{name:<52} {wall:7.3f} {cpu:7.3f}  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

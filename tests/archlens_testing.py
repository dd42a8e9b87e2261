"""Shared helpers for the test modules (imported by name; pytest puts tests/ on sys.path)."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_process(*args, **kw):
    """Run ``python -m archlens ...`` as a separate process."""
    return subprocess.run([sys.executable, "-m", "archlens", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, **kw)

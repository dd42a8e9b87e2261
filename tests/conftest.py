import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cli(capsys):
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""
    from archlens.cli import main

    def run(*args):
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


def run_process(*args, **kw):
    """Run ``python -m archlens ...`` as a separate process."""
    return subprocess.run([sys.executable, "-m", "archlens", *map(str, args)], capture_output=True,
                          text=True, cwd=ROOT, **kw)

"""Shared fixtures, and how the suite runs on two cores.

`make test` runs pytest with pytest-xdist on two workers (`-n 2 --dist loadgroup`), one torch
thread each. Each test file (and tests/browser/ as a whole) stays on one worker, so its module-
and session-scoped fixtures (a generated site, concept figures) are built once; tests marked
``spread`` (the quick recipes, chiefly) go first, each wherever a worker is free. Measured on
one 2-core machine on one day: the 15 quick recipes took about 11.5 minutes on two workers,
against more than 16 minutes one after the other in one process with two threads.
"""
import os
from pathlib import Path

import pytest

from archlens_testing import GOLDEN, check_golden

TESTS = Path(__file__).resolve().parent

if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["OMP_NUM_THREADS"] = "1"          # subprocesses the tests start inherit it
    import torch
    torch.set_num_threads(1)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Group each file's tests on one worker (xdist's loadgroup), slowest-spread tests first."""
    for item in items:
        if not item.get_closest_marker("spread"):
            item.add_marker(pytest.mark.xdist_group(_group(item)))
    items.sort(key=lambda item: not item.get_closest_marker("spread"))   # stable otherwise


def _group(item) -> str:
    """A file's tests share a worker; a subfolder's (tests/browser/) all share one, since its
    conftest's session fixtures (the built site) must be built once, in one place."""
    folder = item.path.parent
    return folder.name if folder != TESTS else item.nodeid.split("::")[0]


def pytest_addoption(parser):
    # Golden files (tests/golden/) hold rendered output (profile tables, worksheets, DOT) exactly;
    # a mismatch fails with a unified diff. After an intended change to what is rendered,
    # regenerate them and review the diff before committing:
    #     pytest tests/test_golden.py --update-golden && git diff tests/golden/
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/* from the current output instead of comparing")


@pytest.fixture
def golden(request):
    """golden(name, text): text must equal tests/golden/<name> exactly (see pytest_addoption)."""
    update = request.config.getoption("--update-golden")
    return lambda name, text: check_golden(GOLDEN / name, text, update, request.node.nodeid)


@pytest.fixture
def cli(capsys):
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""
    from archlens.cli import main

    def run(*args):
        code = main([str(a) for a in args])
        out = capsys.readouterr()
        return code, out.out, out.err
    return run


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure: every tool a test needs is installed by `make test`."""
    import os
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if os.environ.get("CI") and reporter is not None and reporter.stats.get("skipped"):
        reporter.write_line(f"CI: {len(reporter.stats['skipped'])} test(s) skipped; skips fail CI", red=True)
        session.exitstatus = 1

"""Shared fixtures, and how the suite runs on two cores.

`make test` runs pytest with pytest-xdist on two workers (`-n 2 --dist loadgroup`), one torch
thread each. Each test file stays on one worker, so its module-scoped fixtures (a generated
site, concept figures) are built once. Tests marked ``spread`` (the quick recipes, chiefly) go
first, each wherever a worker is free; the browser tests go wherever a worker is free too: a
browser test mostly waits for the page, so the pages load on both workers between other work
(each worker builds its own copy of the site once; generating the pages holds a lock).

Measured on 2 Intel cores with AMX on 2026-12-02, one run each, on a shared machine whose speed
varied through the day: with every file split across the workers (pytest 9.2, before the pin)
12 min 11 s and 12 min 30 s; grouped, 13 min 7 s with the longest work first, 13 min 58 s with
the browser folder first, 13 min 45 s on three workers, and 14 min 21 s in this order from a
fresh clone. One thing was clear: a detection recipe beside the browser tests ran 1.5x slower
(rcnn_alexnet 152 s against 101 s with Chromium held to one core).
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
    """Group each file's tests on one worker (xdist's loadgroup), spread tests first; xdist
    hands the units out in this order (``pytest_configure`` turns off its own reordering by
    test count, which would put the one-test recipe units last)."""
    for item in items:
        if _grouped(item):
            item.add_marker(pytest.mark.xdist_group(_group(item)))
    items.sort(key=lambda item: not item.get_closest_marker("spread"))   # stable otherwise


def pytest_configure(config):
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
    if os.environ.get("PYTEST_XDIST_WORKER") and config.getvalue("loadgroup"):
        config.pluginmanager.register(_GroupingCheck())


def _grouped(item) -> bool:
    return not item.get_closest_marker("spread") and item.path.parent == TESTS


class _GroupingCheck:
    """pytest 9.2 ignores the group suffix xdist 3.8 adds to node ids, so loadgroup stops
    grouping without a word (pytest-dev/pytest-xdist#1386), and a file's module fixtures
    (a generated site, trained runs) would be built on both workers: each test then fails at
    setup, saying why. Registered in each worker; its hook runs after xdist's, which adds the suffix."""

    problem = ""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        lost = [i.nodeid for i in items if i.get_closest_marker("xdist_group") and "@" not in i.nodeid]
        if lost:
            self.problem = (f"--dist loadgroup is not grouping tests under pytest {pytest.__version__} "
                            f"(pytest-dev/pytest-xdist#1386): install the pytest pyproject.toml asks for")

    def pytest_runtest_setup(self, item):
        if self.problem:
            pytest.fail(self.problem, pytrace=False)


def _group(item) -> str:
    return item.nodeid.split("::")[0]


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

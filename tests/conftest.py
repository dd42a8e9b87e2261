"""Shared fixtures, and how the suite runs on two cores.

`make test` runs pytest with pytest-xdist on two workers (`-n 2 --dist loadgroup`), one torch
thread each. Each test file (and tests/browser/ as a whole) stays on one worker, so its module-
and session-scoped fixtures (a generated site, concept figures) are built once; tests marked
``spread`` (the quick recipes, chiefly) may run on either worker. Work goes out longest first
(LPT), so that the two workers finish together: the browser folder, then the spread tests,
detection and segmentation recipes first, then the other files in order.
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
    """Group each file's tests on one worker (xdist's loadgroup) and sort the work longest
    first; xdist hands the units out in this order (``pytest_configure`` turns off its own
    reordering by test count, which would put the one-test recipe units last)."""
    for item in items:
        if not item.get_closest_marker("spread"):
            item.add_marker(pytest.mark.xdist_group(_group(item)))
    items.sort(key=_longest_first)   # stable: file order within a rank


def pytest_configure(config):
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
    if os.environ.get("PYTEST_XDIST_WORKER") and config.getvalue("loadgroup"):
        config.pluginmanager.register(_GroupingCheck())


# Seconds on one thread, roughly: the browser folder ~300 (about 90 page loads), a detection
# or segmentation quick recipe 50-110, any other test file under 100.
_TASK_RANK = {"detection": 0, "segmentation": 1}


def _longest_first(item) -> tuple[int, int]:
    if item.get_closest_marker("spread"):
        return 1, _recipe_rank(item)
    return (0, 0) if _group(item) == "browser" else (2, 0)


def _recipe_rank(item) -> int:
    if getattr(item, "originalname", "") != "test_quick_recipe_learns":
        return len(_TASK_RANK) + 1
    from archlens.spec.load import load_spec
    return _TASK_RANK.get(load_spec(item.callspec.params["name"]).task, len(_TASK_RANK))


class _GroupingCheck:
    """pytest 9.2 ignores the group suffix xdist 3.8 adds to node ids, so loadgroup stops
    grouping without a word (pytest-dev/pytest-xdist#1386), and every file's fixtures would
    run twice (two workers writing one generated site): each test then fails at setup, saying
    why. Registered in each worker; its hook runs after xdist's, which adds the suffix."""

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

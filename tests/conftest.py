import pytest

from archlens_testing import GOLDEN, check_golden


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

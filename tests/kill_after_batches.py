"""Test-only: ``python tests/kill_after_batches.py N ARGS...`` runs ``archlens ARGS`` and
SIGKILLs its own process after N training batches (the kill/resume test's crash).

It installs the kill through the training loop's ``Run.on_batch`` seam by wrapping ``fit``,
so the library carries no test hook.
"""
import os
import signal
import sys

import archlens.train.run as train_run
from archlens.cli import main


def killing_after(batches: int, fit):
    def fit_then_die(run):
        def on_batch(seen: int) -> None:
            if seen == batches:
                os.kill(os.getpid(), signal.SIGKILL)
        run.on_batch = on_batch
        return fit(run)
    return fit_then_die


if __name__ == "__main__":
    train_run.fit = killing_after(int(sys.argv[1]), train_run.fit)
    sys.exit(main(sys.argv[2:]))

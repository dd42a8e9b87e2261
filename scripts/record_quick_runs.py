"""Train bundled specs' quick recipes and record their metrics under archlens/specs/recorded/<slug>/.

`make site` shows these recorded runs (the page says "recorded" and when) instead of retraining
every spec on each build. Re-record after changing a recipe:

    python scripts/record_quick_runs.py                # every bundled spec with a quick recipe
    python scripts/record_quick_runs.py vgg16 fcn8s    # just these
    python scripts/record_quick_runs.py --folds 5 mlp  # k-fold run, in archlens/specs/recorded/mlp-folds5/
    python scripts/record_quick_runs.py --bias-variance mlp   # archlens/specs/recorded/mlp-bias-variance/
    python scripts/record_quick_runs.py --threads 1 rcnn_zf5   # as the test suite runs it

`--threads 1` gives the arithmetic of `make test`, whose two workers run one torch thread each;
the thread count changes summation order, and a detection recipe's mAP moves with it.

A run is written only once it finishes; a failed run leaves the previous record in place.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archlens.site.mdtext import slug  # noqa: E402
from archlens.spec.load import bundled_specs, load_spec  # noqa: E402
from archlens.train import TrainOptions, train  # noqa: E402
from archlens.train.bias_variance import sweep  # noqa: E402
from archlens.files import write_text_atomically  # noqa: E402

RECORDED = ROOT / "archlens" / "specs" / "recorded"

# The bias-variance sweep of the generalization concept page: the quick recipe on a small
# training set, so that wide models can memorise it, at widths from 1/64 to 4x, five runs each.
BIAS_VARIANCE = {"widths": [1 / 64, 1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 4], "repeats": 5,
                 "overrides": {"data.n_train": 1000, "epochs": 30, "batch_size": 64}}


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _write(folder: str, doc: dict) -> None:
    """archlens/specs/recorded/<folder>/metrics.json, written whole or not at all."""
    out = RECORDED / folder / "metrics.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(out, json.dumps(doc, indent=1, sort_keys=True) + "\n")


def record(name: str, folds: int | None = None) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        train(name, TrainOptions(quick=True, out=Path(tmp) / "run", folds=folds))
        seconds = time.perf_counter() - started
        metrics = json.loads((Path(tmp) / "run" / "metrics.json").read_text(encoding="utf-8"))
    command = f"archlens train {name} --quick" + (f" --folds {folds}" if folds else "")
    metrics["recorded"] = (f"{_now()} by '{command}' on {os.cpu_count()} CPU cores "
                           f"({_threads()}) in {seconds:.1f} s; make site reads this file and "
                           f"does not retrain")
    _write(slug(name) + (f"-folds{folds}" if folds else ""), metrics)
    return metrics


def _threads() -> str:
    import torch
    n = torch.get_num_threads()
    return f"{n} torch thread{'s' if n != 1 else ''}"


def record_bias_variance(name: str) -> list[dict]:
    started = time.perf_counter()
    rows = sweep(name, **BIAS_VARIANCE,
                 progress=lambda w, r: print(f"  width {w:g} run {r + 1}", flush=True))
    seconds = time.perf_counter() - started
    command = f"python scripts/record_quick_runs.py --bias-variance {name}"
    _write(f"{slug(name)}-bias-variance",
           {"spec": name, **BIAS_VARIANCE, "rows": rows,
            "recorded": f"{_now()} by '{command}' on {os.cpu_count()} CPU cores in {seconds:.1f} s"})
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*", metavar="SPEC",
                        help="bundled specs (default: every one with a quick recipe)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--folds", type=int, metavar="K", help="record a K-fold run instead")
    mode.add_argument("--bias-variance", action="store_true",
                      help="record the bias-variance width sweep instead (about 4 min for mlp)")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="torch threads (default: torch's own choice, one per core)")
    args = parser.parse_args(argv)
    if args.threads:
        import torch
        torch.set_num_threads(args.threads)
    if args.bias_variance and not args.specs:
        parser.error("--bias-variance needs the classifier specs to sweep, e.g. mlp")
    names = args.specs or [n for n in bundled_specs() if (load_spec(n).train or {}).get("quick")]
    for name in names:
        if args.bias_variance:
            for row in record_bias_variance(name):
                print({k: round(v, 4) for k, v in row.items()}, flush=True)
            continue
        final = record(name, args.folds)["final"]
        shown = {k: round(v, 4) for k, v in final.items() if not k.startswith("ap_")}
        print(f"{name:<18} {shown}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

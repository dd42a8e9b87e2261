"""Expensive per-spec results for the pages, computed once and cached by spec content.

``crosscheck``: ``verify`` at the native input, reduced to what the page shows (per layer:
torch agreement and the peers' numbers with their reasons). ``training``: the quick recipe's
metrics, from a cached run of ``archlens train SPEC --quick`` or, for a bundled spec, the run
recorded with the package (``archlens/specs/recorded/<slug>/``); the result says which, and when.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

from archlens.errors import ArchlensError
from archlens.files import TooLarge, read_text_limited
from archlens.spec.model import Spec
from archlens.spec.load import SPECS_DIR, is_bundled
from archlens.site.cache import cached, is_cached, spec_key
from archlens.site.mdtext import slug

RECORDED = SPECS_DIR / "recorded"   # package data, beside the specs whose runs they are
TORCH_QUANTITIES = ("params", "trainable", "shape", "macs", "rf", "live bytes", "saved bytes")
PEERS = {"torchinfo": "torchinfo mult-adds", "fvcore": "fvcore flops"}
TRAIN_OUT_FLAG = "--out"  # `archlens train SPEC --quick --out DIR` writes metrics.json there


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _crosscheck(spec: Spec) -> dict:
    from archlens.verification.oracle import verify
    start = time.perf_counter()
    report = verify(spec)
    rows = []
    for lp in report.profile.layers:
        checks = [c for c in report.checks if c.layer == lp.name]
        row = {"layer": lp.name, "macs": lp.macs.value,
               "torch": {q: all(c.ok for c in checks if c.quantity == q)
                         for q in TORCH_QUANTITIES if any(c.quantity == q for c in checks)}}
        for peer, quantity in PEERS.items():
            c = next((c for c in checks if c.quantity == quantity), None)
            if c is not None:
                row[peer] = {"measured": c.theirs, "predicted": c.ours, "reason": c.reason}
        rows.append(row)
    return {"ok": report.ok, "checks": len(report.checks), "failures": len(report.failures),
            "input": list(report.profile.input), "rows": rows, "memory": _memory_rows(report),
            "seconds": round(time.perf_counter() - start, 1), "when": _now()}


def _memory_rows(report) -> list[dict]:
    """Whole-model memory checks (gradients, optimizer state, the peers' memory figures)."""
    from archlens.verification.memory import MODEL
    return [{"quantity": c.quantity, "source": c.source, "ours": c.ours, "theirs": c.theirs,
             "reason": c.reason, "ok": c.ok} for c in report.checks if c.layer == MODEL]


def crosscheck(spec: Spec, cache_dir: Path, run: bool = True) -> dict | None:
    """The cached cross-check; computed on a miss when ``run``, else None."""
    return cached(cache_dir, spec, "crosscheck", (lambda: _crosscheck(spec)) if run else (lambda: None))


class RecordedRunError(ArchlensError):
    """A recorded run's metrics.json that the site cannot show: names the file and the problem."""


RESTORE = "restore the recorded run (git checkout, or reinstall archlens)"   # it is package data


def recorded_run(run_name: str) -> dict | None:
    """A quick run recorded with the package, ``archlens/specs/recorded/<name>/metrics.json``
    (``scripts/record_quick_runs.py`` writes them), with 'recorded' when given."""
    path = RECORDED / run_name / "metrics.json"
    if not path.is_file():
        return None
    metrics = read_recorded(path)
    when = metrics.get("recorded") or metrics.get("when") or "date not recorded"
    shown = f"archlens/specs/recorded/{run_name}/metrics.json"
    return {"origin": "recorded", "when": when, "file": shown, **_metrics(metrics)}


def _recorded_for(spec: Spec) -> dict | None:
    """Only the bundled file's own run: a user's spec of the same name is another network."""
    return recorded_run(slug(spec.name)) if is_bundled(spec) else None


def check_recorded(specs: list[Spec]) -> None:
    """Read every spec's recorded run now, so a corrupt one is refused before a page is written."""
    for spec in specs:
        _recorded_for(spec)


def read_recorded(path: Path, problem=None) -> dict:
    """A recorded JSON file, checked by ``problem`` (a quick run's check by default): one line
    naming the file and how to restore it when it is unreadable or wrong."""
    try:
        doc = json.loads(read_text_limited(path))
    except TooLarge as exc:
        raise RecordedRunError(f"{path}: {exc}") from None
    except (OSError, ValueError) as exc:   # UnicodeDecodeError and JSONDecodeError among them
        raise RecordedRunError(f"{path}: not a readable JSON file ({type(exc).__name__}); "
                               f"{RESTORE}") from None
    found = (problem or _recorded_problem)(doc)
    if found:
        raise RecordedRunError(f"{path}: {found}; {RESTORE}")
    return doc


ROWS, TABLES = ("history", "per_fold"), ("final", "final_std")   # what the pages read


def _recorded_problem(metrics) -> str | None:
    """What keeps the pages from reading ``metrics``: a row list or a metric table of the wrong shape."""
    if not isinstance(metrics, dict):
        return f"the top level must be a JSON object, got {_json(metrics)}"
    for key in ROWS:
        rows = metrics.get(key, [])
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            return f"'{key}' must be a list of objects (one per epoch or fold), got {_json(rows)}"
    for key in TABLES:
        if not isinstance(metrics.get(key, {}), dict):
            return f"'{key}' must be an object of named metrics, got {_json(metrics[key])}"
    return None


def _json(value) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:40] + "..."


KFOLD_KEYS = ("folds", "per_fold", "final_std")   # present in a --folds run's metrics.json


def _metrics(metrics: dict) -> dict:
    from archlens.site.runlabel import setup
    return {"history": metrics.get("history", []), "final": metrics.get("final", {}),
            "precision": metrics.get("precision", "fp32"), "setup": setup(metrics),
            **{k: metrics[k] for k in KFOLD_KEYS if k in metrics}}


def _quick_train(spec: Spec, threads: int | None = None) -> dict | None:
    """``archlens train SPEC --quick`` in a subprocess (with ``threads`` torch threads)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads)) if threads else None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        cmd = [sys.executable, "-m", "archlens", "train", str(spec.path or spec.name), "--quick",
               TRAIN_OUT_FLAG, str(out)]
        start = time.perf_counter()
        run = subprocess.run(cmd, capture_output=True, text=True, env=env)
        metrics = out / "metrics.json"
        if run.returncode or not metrics.is_file():
            print(f"archlens site: quick training of {spec.name} failed: "
                  f"{(run.stderr or run.stdout).strip()[-300:]}", file=sys.stderr)
            return None
        data = json.loads(metrics.read_text(encoding="utf-8"))
    return {"origin": "built", "when": _now(), "seconds": round(time.perf_counter() - start, 1),
            "command": " ".join(["archlens", "train", spec.name, "--quick"]), **_metrics(data)}


def _needs_training(spec: Spec, cache_dir: Path) -> bool:
    return (_recorded_for(spec) is None and bool(spec.train)
            and not is_cached(cache_dir, spec, "training"))


def train_missing(specs: list[Spec], cache_dir: Path,
                  log=lambda msg: None) -> None:
    """Run every quick recipe with no recorded or cached result, and cache what they give.

    The small quick-recipe networks use two threads poorly: on 2 cores two runs side by side
    with one thread each finished in 33 s where one after the other with two threads took 52 s
    (vgg11). So with several runs to do, one run per core, one thread each; a single run keeps
    every core. Thread count changes float summation order, so such a run's numbers differ in
    the last digits from an ``archlens train`` run of the same recipe.
    """
    # one run per cache entry: specs that differ only in name or prose share their quick run
    todo = list({spec_key(s, "training"): s for s in reversed(specs)
                 if _needs_training(s, cache_dir)}.values())[::-1]
    if not todo:
        return
    cores = os.cpu_count() or 1
    workers = min(len(todo), cores)
    threads = max(1, cores // workers)
    log(f"  training {len(todo)} quick recipes, {workers} at a time, {threads} thread(s) each")

    def one(spec: Spec) -> None:
        start = time.perf_counter()
        result = cached(cache_dir, spec, "training", lambda: _quick_train(spec, threads))
        log(f"  trained {spec.name:<20} {time.perf_counter() - start:5.1f} s"
            f"{'' if result else ' (failed)'}")

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, todo))


def training(spec: Spec, cache_dir: Path) -> dict | None:
    """Training results: a recorded run wins; else a quick run cached by ``train_missing``."""
    recorded = _recorded_for(spec)
    if recorded is not None or not spec.train:
        return recorded
    return cached(cache_dir, spec, "training", lambda: None)

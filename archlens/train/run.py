"""``archlens train``: pick the recipe, get the data, build the model, fit, write the report.

One run writes into its own folder (default ``runs/<spec>/``): ``checkpoint.pt``,
``config.json``, ``metrics.json``, ``metrics.csv``, ``curves.svg``/``.png`` and the marker
``archlens-run.json`` (``runfolder.py``: what ``--force`` may remove). With ``folds=K``
each fold trains in ``fold-<k>/`` and the top folder reports mean and standard deviation.
"""
from __future__ import annotations

import contextlib
import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from archlens.errors import TrainError
from archlens.spec.names import folder_for
from archlens.spec.load import load_spec
from archlens.train import distributed, precision, runfolder
from archlens.train.config import as_dict, recipe
from archlens.train.data import first_inputs, fold, join
from archlens.train.loop import Run, fit
from archlens.train.model import training_model
from archlens.files import write_text_atomically
from archlens.train.report import final_metrics, plot_curves, write_metrics
from archlens.train.tasks import get_task
from archlens.train.tasks.base import TrainData


@dataclass(frozen=True)
class TrainOptions:
    quick: bool = False                 # the spec's quick recipe (small, synthetic, minutes on CPU)
    out: Path | None = None             # default runs/<spec>/
    device: str = "cpu"                 # cpu | cuda
    resume: bool = False                # continue from out/checkpoint.pt
    force: bool = False                 # replace a previous run in out (its own files only)
    folds: int | None = None            # k-fold cross-validation
    data: Path | None = None            # a user's dataset folder (VOC root or class folders)
    overrides: dict = field(default_factory=dict)   # dotted recipe keys -> values
    progress: bool = False              # tqdm bars (the CLI enables them on a terminal)


@dataclass
class TrainResult:
    out: Path
    final: dict                         # named validation metrics (means under k-fold)
    history: list[dict]
    final_std: dict | None = None       # k-fold standard deviations
    seconds: float = 0.0
    main: bool = True                   # False in torchrun's other processes: rank 0 reports


def train(spec, options: TrainOptions = TrainOptions()) -> TrainResult:
    """Train ``spec`` (name, path or Spec) as ``options`` say; see the module docstring.

    Under torchrun a user error stops every process and rank 0 alone prints it
    (``distributed``): the steps where only some processes could fail are agreed on."""
    world = distributed.planned()
    with distributed.alike(world):
        spec = load_spec(spec)
        task = get_task(spec.task, spec.where)
        config = recipe(spec, "quick" if options.quick else "full", options.overrides)
        task.settings(config, f"{spec.where}: train.{'quick' if options.quick else 'full'}")
        device = _device(options.device)
        distributed.local_batch(config.batch_size, world)
        out = options.out or folder_for(Path("runs"), spec.name)
    world = distributed.start(world, device)
    try:
        # the other processes wait here for rank 0's folder, and share its refusal
        distributed.agreed(world, lambda: _prepare_folder(out, options, world))
        with _run_arithmetic():
            started = time.perf_counter()
            data = distributed.agreed(world, lambda: _data(task, spec, config, options))
            if options.folds:
                result = _cross_validate(spec, task, data, config, out, options, device, world)
            else:
                result = _single(spec, task, data, config, out, options, device, world)
            result.seconds = time.perf_counter() - started
        result.main = world.main
        return result
    finally:
        distributed.stop(world)


@contextlib.contextmanager
def _run_arithmetic():
    """Deterministic algorithms and flushed denormals for the run, and the caller's process
    settings back afterwards: both are process-wide, and a library call must not leave them
    changed (with denormals flushed, Python code run later in the same process, e.g. a
    hypothesis test, cannot represent subnormal floats)."""
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    flushing = _flushes_denormals()
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.set_flush_denormal(True)   # tiny early activations otherwise run 10-100x slower on CPU
    try:
        yield
    finally:
        torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)
        torch.set_flush_denormal(flushing)


def _flushes_denormals() -> bool:
    tiny = torch.tensor([1e-40], dtype=torch.float32)   # a float32 subnormal
    return bool((tiny * 1.0).item() == 0.0)


def _prepare_folder(out: Path, options: TrainOptions, world) -> None:
    """Rank 0 alone checks and claims the run folder (two processes would race each other)."""
    if world.main:
        runfolder.prepare(out, options.resume, options.force, options.folds)


def _data(task, spec, config, options) -> TrainData:
    """The task's data, and enough of it for ``--folds``."""
    data = task.data(spec, config, options.data)
    available = len(data.train) + len(data.val)
    if options.folds is not None and not 2 <= options.folds <= available:
        raise TrainError(f"--folds {options.folds}: need 2 <= K <= {available} (the samples "
                         f"available)")
    return data


def _device(name: str) -> str:
    if name not in ("cpu", "cuda"):
        raise TrainError(f"--device {name}: use cpu or cuda")
    if name == "cuda" and not torch.cuda.is_available():
        raise TrainError("--device cuda: no CUDA device is available here; use --device cpu")
    return name


def _single(spec, task, data: TrainData, config, out: Path, options, device, world,
            title: str = "") -> TrainResult:
    model = distributed.agreed(world, lambda: training_model(
        spec, config, data.num_classes, first_inputs(data.train, config.batch_size)))
    config_dict = as_dict(config)
    arithmetic = precision.resolve(config.precision, device)
    header = {"spec": spec.name, "task": task.name, "recipe": "quick" if options.quick else "full",
              "data": data.source, "num_classes": data.num_classes, "classes": list(data.classes),
              "processes": world.size,
              "precision": arithmetic, "config": config_dict}
    if world.main:
        out.mkdir(parents=True, exist_ok=True)
        runfolder.claim(out)
        write_text_atomically(out / "config.json", json.dumps(header, indent=2) + "\n")
    on_epoch = lambda history: write_metrics(out, {**header, "history": history,
                                                   "final": final_metrics(history, {})})
    trainee = task.training_module(model, config)     # shares the model's weights
    run = Run(trainee, task, data, config, config_dict, out, device, arithmetic, world,
              resume=options.resume and (out / "checkpoint.pt").exists(),
              progress=options.progress, on_epoch=on_epoch)
    history = fit(run)
    after_training = {**task.fit_after(model, data, config, device), **task.final(model, data, config)}
    final = final_metrics(history, after_training)
    if world.main:
        write_metrics(out, {**header, "history": history, "final": final, "truth": data.truth})
        plot_curves(out, history, task.metric, title or f"{spec.name} ({header['recipe']})")
    return TrainResult(out, final, history)


def _cross_validate(spec, task, data: TrainData, config, out: Path, options, device,
                    world) -> TrainResult:
    """k-fold: the pooled train+val set cut into ``folds`` parts, each validating once."""
    k = options.folds
    pool = join(data.train, data.val)
    results = []
    for index in range(k):
        train, val = fold(pool, k, index, config.seed)
        part = TrainData(train, val, data.num_classes, data.classes, data.source, data.truth)
        results.append(_single(spec, task, part, config, out / f"fold-{index + 1}", options,
                               device, world, f"{spec.name} fold {index + 1}/{k}"))
    final, std = _mean_std([r.final for r in results])
    history = _mean_history([r.history for r in results])
    if world.main:
        write_metrics(out, {"spec": spec.name, "task": task.name, "folds": k, "history": history,
                            "final": final, "final_std": std,
                            "per_fold": [r.final for r in results]})
        plot_curves(out, history, task.metric, f"{spec.name}: mean of {k} folds")
    return TrainResult(out, final, history, std)


def _mean_std(finals: list[dict]) -> tuple[dict, dict]:
    keys = [k for k in finals[0] if all(isinstance(f.get(k), (int, float)) for f in finals)]
    mean = {k: statistics.fmean(f[k] for f in finals) for k in keys}
    std = {k: statistics.stdev([f[k] for f in finals]) for k in keys}   # sample std (n - 1)
    return mean, std


def _mean_history(histories: list[list[dict]]) -> list[dict]:
    rows = []
    for rows_at_epoch in zip(*histories):
        keys = [k for k in rows_at_epoch[0] if isinstance(rows_at_epoch[0][k], (int, float))]
        rows.append({k: statistics.fmean(r[k] for r in rows_at_epoch) for k in keys})
    return rows


def summary_text(result: TrainResult) -> str:
    """One line per final metric (``mean ± std`` under k-fold) and where the report is."""
    lines = ["final metrics on held-out validation data:"]
    for key, value in result.final.items():
        if isinstance(value, float):
            spread = f" ± {result.final_std[key]:.4g}" if result.final_std and key in result.final_std else ""
            lines.append(f"{key:<16} {value:.4g}{spread}")
    lines.append(f"wrote {result.out}/metrics.json, metrics.csv, curves.svg, curves.png "
                 f"({result.seconds:.1f} s)")
    return "\n".join(lines)

"""Training-step time of every quick recipe in float32 and under bfloat16 autocast.

    python benchmarks/train_precision.py [SPEC ...]

For each spec: the quick recipe's model, task and first batches, then the mean time of a
training step (forward, loss, backward, optimizer step) over the same batches in each
precision, measured in one run. Prints the ratio fp32 / bf16 (above 1: bf16 is faster) and
whether this CPU multiplies bfloat16 natively (AMX), which is where ``precision: auto`` picks
bf16. A recipe opts in with ``precision: auto`` only where the ratio is well above 1.
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from archlens.spec.load import bundled_specs, load_spec  # noqa: E402
from archlens.train import precision  # noqa: E402
from archlens.train.config import recipe  # noqa: E402
from archlens.train.data import first_inputs, loader  # noqa: E402
from archlens.train.model import optimizer, training_model  # noqa: E402
from archlens.train.tasks import get_task  # noqa: E402

WARMUP, STEPS = 2, 8


def quick_batches(spec_name: str, overrides: dict | None = None):
    """The quick recipe's spec, task, config, data and first WARMUP + STEPS batches."""
    spec = load_spec(spec_name)
    task = get_task(spec.task, spec.where)
    config = recipe(spec, "quick", {"data.n_train": 64 * 16, "data.n_val": 8, **(overrides or {})})
    task.settings(config, spec_name)
    data = task.data(spec, config, None)
    batches = list(loader(data.train, config.batch_size, 0, True, 0, 1))[:WARMUP + STEPS]
    return spec, task, config, data, batches


def mean_step(task, net, opt, batches, arithmetic: str = "fp32") -> float:
    """Seconds per training step (forward, loss, backward, step) after WARMUP batches."""
    for i, batch in enumerate(batches):
        if i == WARMUP:
            start = time.perf_counter()
        with precision.autocast(arithmetic, "cpu"):
            loss, _ = task.loss(net, batch)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return (time.perf_counter() - start) / (len(batches) - WARMUP)


def step_seconds(spec_name: str) -> tuple[float, float]:
    spec, task, config, data, batches = quick_batches(spec_name)
    times = []
    for arithmetic in ("fp32", "bf16"):
        model = training_model(spec, config, data.num_classes,
                               first_inputs(data.train, config.batch_size))
        net = task.training_module(model, config).train()
        times.append(mean_step(task, net, optimizer(net, config), batches, arithmetic))
    return times[0], times[1]


def main(names: list[str]) -> None:
    torch.set_flush_denormal(True)      # as the harness does
    names = names or [n for n in bundled_specs() if (load_spec(n).train or {}).get("quick")]
    print(f"{os.cpu_count()} cores, native bf16 (AMX): {precision.native_bf16('cpu')}")
    print(f"{'spec':<18}{'fp32 step':>12}{'bf16 step':>12}{'fp32/bf16':>11}")
    for name in names:
        fp32, bf16 = step_seconds(name)
        print(f"{name:<18}{fp32 * 1e3:>10.1f}ms{bf16 * 1e3:>10.1f}ms{fp32 / bf16:>10.2f}x",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

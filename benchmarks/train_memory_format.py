"""Training-step time of every quick recipe with convolution weights in NCHW and in NHWC.

    python benchmarks/train_memory_format.py [--threads N] [SPEC ...]

For each spec: the quick recipe's model, task and first batches, then the mean time of a
training step (forward, loss, backward, optimizer step) over the same batches with the weights
contiguous (NCHW) and channels-last (NHWC, a recipe's ``memory_format: nhwc``),
alternating, in one run and float32. Prints the ratio NCHW / NHWC (above 1: channels-last is
faster). Default one thread: each of ``make test``'s two workers runs one.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from archlens.spec.load import bundled_specs, load_spec  # noqa: E402
from archlens.train.data import first_inputs  # noqa: E402
from archlens.train.model import optimizer, training_model  # noqa: E402
from train_precision import mean_step, quick_batches  # noqa: E402  (the same batches and step)

ROUNDS = 2
FORMATS = {"NCHW": torch.contiguous_format, "NHWC": torch.channels_last}


def step_seconds(spec_name: str) -> dict[str, float]:
    spec, task, config, data, batches = quick_batches(spec_name, {"precision": "fp32"})
    nets = {}
    for name, fmt in FORMATS.items():
        model = training_model(spec, config, data.num_classes,
                               first_inputs(data.train, config.batch_size)).to(memory_format=fmt)
        net = task.training_module(model, config).train()
        nets[name] = (net, optimizer(net, config))
    best = {name: float("inf") for name in FORMATS}
    for _ in range(ROUNDS):                 # alternate, so load from other jobs hits both alike
        for name, (net, opt) in nets.items():
            best[name] = min(best[name], mean_step(task, net, opt, batches))
    return best


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("specs", nargs="*")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)      # as the harness does
    names = args.specs or [n for n in bundled_specs() if (load_spec(n).train or {}).get("quick")]
    print(f"{os.cpu_count()} cores, {args.threads} torch thread(s), float32; best of {ROUNDS} rounds")
    print(f"{'spec':<18}{'NCHW step':>12}{'NHWC step':>12}{'NCHW/NHWC':>11}")
    for name in names:
        t = step_seconds(name)
        print(f"{name:<18}{t['NCHW'] * 1e3:>10.1f}ms{t['NHWC'] * 1e3:>10.1f}ms"
              f"{t['NCHW'] / t['NHWC']:>10.2f}x", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

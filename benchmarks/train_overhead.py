"""Training-step throughput: the harness (``archlens.train.loop.fit``) against a minimal
hand-written PyTorch loop on the same model, data, batch size and optimizer.

The harness does more per epoch (validation pass, metrics.json, an atomic checkpoint); all of it
is counted. Each side runs ``--repeats`` times, interleaved, and the fastest run of each is
compared, so a busy machine hurts both alike. Target (issue 5): overhead <= 5%.

    python benchmarks/train_overhead.py [--spec mlp] [--epochs 3] [--repeats 3]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from archlens.spec.load import load_spec
from archlens.train.config import as_dict, recipe
from archlens.train.data import first_inputs
from archlens.train.loop import Run, fit
from archlens.train.model import optimizer, training_model
from archlens.train.tasks import get_task


def setup(spec_name: str, epochs: int):
    spec = load_spec(spec_name)
    task = get_task(spec.task)
    config = recipe(spec, "quick", {"epochs": epochs, "data.n_val": 64})
    data = task.data(spec, config, None)
    return spec, task, config, data


def fresh_model(spec, config, data):
    return training_model(spec, config, data.num_classes, first_inputs(data.train, config.batch_size))


def harness(spec, task, config, data) -> float:
    model = fresh_model(spec, config, data)
    with tempfile.TemporaryDirectory() as out:
        run = Run(model, task, data, config, as_dict(config), Path(out))
        start = time.perf_counter()
        fit(run)
        return time.perf_counter() - start


def hand_loop(spec, task, config, data) -> float:
    """The textbook loop: shuffle, slice, forward, cross-entropy, backward, step."""
    model = fresh_model(spec, config, data)
    opt = optimizer(model, config)
    x, y = data.train.tensors
    g = torch.Generator().manual_seed(config.seed)
    start = time.perf_counter()
    for _ in range(config.epochs):
        model.train()
        order = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), config.batch_size):
            idx = order[i:i + config.batch_size]
            loss = F.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default="mlp", help="a classification spec with a quick recipe")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    spec, task, config, data = setup(args.spec, args.epochs)
    times = {"harness": [], "hand loop": []}
    for _ in range(args.repeats):
        times["hand loop"].append(hand_loop(spec, task, config, data))
        times["harness"].append(harness(spec, task, config, data))
    samples = len(data.train) * args.epochs
    best = {k: min(v) for k, v in times.items()}
    print(f"{args.spec} quick: {len(data.train)} samples x {args.epochs} epochs, batch {config.batch_size}, "
          f"torch threads {torch.get_num_threads()}")
    for name, seconds in best.items():
        print(f"  {name:<10} {samples / seconds:9.1f} samples/s  (best of {args.repeats}: {seconds:.2f} s;"
              f" all: {', '.join(f'{t:.2f}' for t in times[name])})")
    print(f"  overhead   {best['harness'] / best['hand loop'] - 1:+.1%} (harness time / hand-loop time - 1; "
          f"includes validation and checkpoints)")


if __name__ == "__main__":
    main()

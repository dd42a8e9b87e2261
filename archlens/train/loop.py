"""The training loop, top to bottom: data in order, loss, backward, step; validate; checkpoint.

Everything that varies by task (data, loss, metric) comes from the task object; everything
that varies by recipe comes from the config. Read ``fit`` first.
"""
from __future__ import annotations

import math
from typing import Callable
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch
from tqdm import tqdm

from archlens.errors import TrainError
from archlens.train import checkpoint, distributed, precision
from archlens.train.data import eval_loader, loader
from archlens.train.model import optimizer, schedule
from archlens.train.tasks.base import batch_size_of


@dataclass
class Run:
    """One training run: the model, its task and data, the recipe, and where it writes."""

    model: torch.nn.Module
    task: object
    data: object
    config: object                     # TrainConfig
    config_dict: dict                  # its JSON form (stored in checkpoints, compared on resume)
    out: Path
    device: str = "cpu"
    precision: str = "fp32"            # resolved: fp32 | bf16 (precision.py)
    world: distributed.World = field(default_factory=distributed.World)
    resume: bool = False
    progress: bool = False
    on_epoch: Callable[[list], None] | None = None   # (history) after each epoch, main process only
    on_batch: Callable[[int], None] | None = None    # (batches trained by this call) after each step


def fit(run: Run) -> list[dict]:
    """Train for ``config.epochs`` epochs (continuing a checkpoint with ``resume``); history."""
    c, model, task, world = run.config, run.model.to(run.device), run.task, run.world
    net = distributed.wrap(model, world, run.device)
    opt = optimizer(model, c)
    sched = schedule(opt, c)
    train_batches = loader(run.data.train, distributed.local_batch(c.batch_size, world), c.seed,
                           c.shuffle, world.rank, world.size)
    val_batches = eval_loader(run.data.val, c.batch_size)
    ckpt = run.out / checkpoint.CHECKPOINT
    start, history = 0, []
    if run.resume:   # every process reads the checkpoint: a refusal is printed once
        start, history = distributed.agreed(world, lambda: checkpoint.restore(
            checkpoint.load(ckpt, run.config_dict), model, opt, sched, ckpt))
    seen = 0

    for epoch in tqdm(range(start, c.epochs), desc=model.spec_name, unit="epoch",
                      initial=start, total=c.epochs, disable=not run.progress):
        t0 = time.perf_counter()
        train_batches.sampler.set_epoch(epoch)       # the shuffle depends on (seed, epoch) only
        net.train()
        meter, loss_sum, count = task.meter(run.data), 0.0, 0
        bar = tqdm(train_batches, desc=f"epoch {epoch + 1}/{c.epochs}", unit="batch",
                   leave=False, disable=not run.progress)
        for step, batch in enumerate(bar):
            batch = to_device(batch, run.device)
            with precision.autocast(run.precision, run.device):
                loss, outputs = task.loss(net, batch)
            value = loss.item()   # one process's shard diverging stops every process
            distributed.agree(world, None if math.isfinite(value) else
                              diverged(value, epoch, step, start, history))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if c.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), c.grad_clip)
            opt.step()
            n = batch_size_of(batch)
            loss_sum, count = loss_sum + value * n, count + n
            meter.update(outputs.detach().float(), batch)
            bar.set_postfix(loss=f"{value:.4g}", refresh=False)
            seen += 1
            if run.on_batch:
                run.on_batch(seen)
        sched.step()

        train_loss = distributed.mean(loss_sum, count, world, run.device)
        val = evaluate(task, model, val_batches, run.data, run.device, run.precision)
        history.append({"epoch": epoch + 1, "lr": opt.param_groups[0]["lr"],
                        "train_loss": train_loss, **prefixed("train", meter.result()),
                        **prefixed("val", val), "time_s": round(time.perf_counter() - t0, 3)})
        if world.main:
            checkpoint.save(ckpt, model, opt, sched, epoch, history, run.config_dict)
            if run.on_epoch:
                run.on_epoch(history)
        distributed.barrier(world)
    return history


@torch.no_grad()
def evaluate(task, model, batches, data, device: str, arithmetic: str = "fp32") -> dict:
    """Mean loss and the task's metrics over the whole validation set (eval mode: no dropout)."""
    model.eval()
    meter, loss_sum, count = task.meter(data), 0.0, 0
    for batch in batches:
        batch = to_device(batch, device)
        with precision.autocast(arithmetic, device):
            loss, outputs = task.loss(model, batch)
        n = batch_size_of(batch)
        loss_sum, count = loss_sum + loss.item() * n, count + n
        meter.update(outputs.float(), batch)
    return {"loss": loss_sum / max(1, count), **meter.result()}


def prefixed(prefix: str, metrics: dict) -> dict:
    return {f"{prefix}_{k}": v for k, v in metrics.items()}


def to_device(batch, device: str):
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(b, device) for b in batch)
    return batch


def diverged(value: float, epoch: int, step: int, start: int, history: list) -> TrainError:
    kept = f"the checkpoint of epoch {history[-1]['epoch']} is kept" if history else "no checkpoint yet"
    return TrainError(f"loss became {value} at epoch {epoch + 1}, batch {step + 1}: training "
                      f"diverged; lower the learning rate (--set optimizer.lr=...) or check the "
                      f"data ({kept})")


def interrupted_message(out: Path) -> str:
    ckpt = out / checkpoint.CHECKPOINT
    tail = (f"the last checkpoint is {ckpt}; continue with --resume" if ckpt.exists()
            else "no epoch had finished, so there is no checkpoint")
    return f"interrupted: {tail}"

"""Scale-out under ``torchrun``: one process per device, DistributedDataParallel, gloo on CPU
and nccl on GPU. Without torchrun's environment everything here is a no-op (world of one).

A user error stops every process of the job at once and is printed once, by rank 0: an error
that only some processes meet (rank 0 alone prepares the run folder; one shard's loss can
diverge) is shared at the next agreement point (``agreed``, ``agree``), so no process is left
waiting in a collective for one that has stopped (gloo then fails it with a traceback).
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os
from dataclasses import dataclass
from typing import Callable, TypeVar

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from archlens.errors import ArchlensError, TrainError

T = TypeVar("T")


@dataclass(frozen=True)
class World:
    rank: int = 0          # this process, 0..size-1
    size: int = 1          # processes in the job
    local_rank: int = 0    # this process on its machine (its GPU index)
    device: str = "cpu"    # where collectives' tensors live (nccl needs them on the GPU)

    @property
    def main(self) -> bool:
        return self.rank == 0


def planned() -> World:
    """The job torchrun describes in the environment (a world of one without it); not joined."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size == 1:
        return World()
    return World(int(os.environ["RANK"]), size, int(os.environ.get("LOCAL_RANK", "0")))


def start(world: World, device: str) -> World:
    """Join the process group of ``world`` (``planned``), collectives on ``device``."""
    if world.size == 1:
        return world
    world = dataclasses.replace(world, device=device)
    backend = "nccl" if device == "cuda" else "gloo"
    if device == "cuda":
        torch.cuda.set_device(world.local_rank)
    dist.init_process_group(backend, rank=world.rank, world_size=world.size,
                            timeout=datetime.timedelta(minutes=10))
    return world


@contextlib.contextmanager
def alike(world: World):
    """A block whose user errors every process meets alike (they come from the command line
    and the files, which all processes read): rank 0 alone prints them."""
    try:
        yield
    except ArchlensError as exc:
        exc.echo = world.main
        raise


def agree(world: World, error: ArchlensError | None) -> None:
    """Every process says whether it met a user error here; if any did, every process raises
    the lowest rank's, and rank 0 alone prints it. One small all-reduce when none did."""
    if world.size == 1:
        if error is not None:
            raise error
        return
    flag = torch.tensor([0.0 if error is None else 1.0], device=world.device)
    dist.all_reduce(flag)
    if flag.item() == 0:
        return
    messages: list = [None] * world.size
    dist.all_gather_object(messages, None if error is None else str(error))
    first = next(m for m in messages if m is not None)
    shared = error if error is not None and str(error) == first else TrainError(first)
    shared.echo = world.main
    raise shared


def agreed(world: World, step: Callable[[], T]) -> T:
    """``step()`` in every process (it must hold no collective), its user errors shared
    (``agree``); a barrier too, since no process passes before all have finished ``step``."""
    error, result = None, None
    try:
        result = step()
    except ArchlensError as exc:
        error = exc
    agree(world, error)
    return result


def stop(world: World) -> None:
    if world.size > 1 and dist.is_initialized():
        dist.destroy_process_group()


def wrap(model, world: World, device: str):
    """DDP across processes (gradients averaged each step); the plain model alone."""
    if world.size == 1:
        return model
    ids = [world.local_rank] if device == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids)


def local_batch(batch_size: int, world: World) -> int:
    """The per-process share of the global batch; it must divide evenly."""
    if batch_size % world.size:
        raise TrainError(f"batch_size {batch_size} does not split over {world.size} processes; "
                         f"use a multiple of {world.size} (--set batch_size=...)")
    return batch_size // world.size


def barrier(world: World) -> None:
    if world.size > 1:
        dist.barrier()


def mean(total: float, count: int, world: World, device: str) -> float:
    """``total / count`` summed over all processes (each holds its shard's sums)."""
    if world.size == 1:
        return total / max(1, count)
    t = torch.tensor([total, float(count)], dtype=torch.float64, device=device)
    dist.all_reduce(t)
    return (t[0] / t[1].clamp(min=1)).item()

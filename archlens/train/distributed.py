"""Scale-out under ``torchrun``: one process per device, DistributedDataParallel, gloo on CPU
and nccl on GPU. Without torchrun's environment everything here is a no-op (world of one)."""
from __future__ import annotations

import datetime
import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from ..errors import TrainError


@dataclass(frozen=True)
class World:
    rank: int = 0          # this process, 0..size-1
    size: int = 1          # processes in the job
    local_rank: int = 0    # this process on its machine (its GPU index)

    @property
    def main(self) -> bool:
        return self.rank == 0


def start(device: str) -> World:
    """Join the process group torchrun describes in the environment (if any)."""
    size = int(os.environ.get("WORLD_SIZE", "1"))
    if size == 1:
        return World()
    world = World(int(os.environ["RANK"]), size, int(os.environ.get("LOCAL_RANK", "0")))
    backend = "nccl" if device == "cuda" else "gloo"
    if device == "cuda":
        torch.cuda.set_device(world.local_rank)
    dist.init_process_group(backend, rank=world.rank, world_size=size,
                            timeout=datetime.timedelta(minutes=10))
    return world


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

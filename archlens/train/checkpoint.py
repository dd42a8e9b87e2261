"""Checkpoints: everything a resumed run needs to continue bit-identically, written atomically.

Saved at the end of every epoch: model, optimizer and scheduler state, the history so far, the
next epoch, and the torch, numpy and Python random states (dropout draws from torch's). Batch
order depends on (seed, epoch) only (``data.py``), so a run killed mid-epoch resumes that epoch
from its start and ends with the same weights as a run never interrupted.
"""
from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import torch

from ..errors import TrainError

CHECKPOINT = "checkpoint.pt"


def rng_state() -> dict:
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(),
            "python": random.getstate(),
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []}


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    np.random.set_state(state["numpy"])
    random.setstate(state["python"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def save(path: Path, model, opt, sched, epoch: int, history: list, config: dict) -> None:
    """Write to a temporary file, flush to disk, then rename over the old checkpoint."""
    state = {"model": model.state_dict(), "optimizer": opt.state_dict(),
             "scheduler": sched.state_dict(), "next_epoch": epoch + 1, "history": history,
             "config": config, "rng": rng_state()}
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        torch.save(state, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load(path: Path, config: dict) -> dict:
    """The saved state; refuses a checkpoint made with a different recipe."""
    if not path.is_file():
        raise TrainError(f"{path}: no checkpoint to resume from; run without --resume")
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:  # a truncated or foreign file
        raise TrainError(f"{path}: unreadable checkpoint ({type(exc).__name__}); delete it and "
                         f"run without --resume") from None
    if state.get("config") != config:
        changed = sorted(k for k in set(config) | set(state.get("config", {}))
                         if config.get(k) != state.get("config", {}).get(k))
        raise TrainError(f"{path}: the checkpoint was made with other settings ({', '.join(changed)}"
                         f" differ); resume with the same settings or use a new --out")
    return state


def restore(state: dict, model, opt, sched) -> tuple[int, list]:
    """Load states into the objects; returns (next epoch, history)."""
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["optimizer"])
    sched.load_state_dict(state["scheduler"])
    set_rng_state(state["rng"])
    return state["next_epoch"], state["history"]

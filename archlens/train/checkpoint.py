"""Checkpoints: everything a resumed run needs to continue bit-identically, written atomically.

Saved at the end of every epoch: model, optimizer and scheduler state, the history so far, the
next epoch, and the torch, numpy and Python random states (dropout draws from torch's). Batch
order depends on (seed, epoch) only (``data.py``), so a run killed mid-epoch resumes that epoch
from its start and ends with the same weights as a run never interrupted.

A checkpoint holds tensors and plain values only (the random states as tensors and numbers) and
is read back with ``torch.load(weights_only=True)``: a file whose pickle would call a function
(``os.system``, ...) is refused, never run. A checkpoint of the wrong shape (a list, missing
keys, another architecture) is a one-line ``TrainError``.
"""
from __future__ import annotations

import pickle
import random
from pathlib import Path

import numpy as np
import torch

from archlens.errors import TrainError
from archlens.files import write_atomically
from archlens.train.runfolder import CHECKPOINT   # re-exported: the loop's name for the file


KEYS = ("model", "optimizer", "scheduler", "next_epoch", "history", "config", "rng")


def rng_state() -> dict:
    """Every random state as tensors and plain numbers (loadable with ``weights_only``)."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    version, internal, gauss_next = random.getstate()
    return {"torch": torch.get_rng_state(),
            "numpy": {"kind": str(kind), "keys": torch.from_numpy(keys.astype(np.int64)),
                      "pos": int(pos), "has_gauss": int(has_gauss), "gauss": float(gauss)},
            "python": {"version": int(version), "state": torch.tensor(internal, dtype=torch.int64),
                       "gauss_next": gauss_next},
            "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else []}


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state((n["kind"], n["keys"].numpy().astype(np.uint32), n["pos"],
                         n["has_gauss"], n["gauss"]))
    p = state["python"]
    random.setstate((p["version"], tuple(int(v) for v in p["state"].tolist()), p["gauss_next"]))
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _plain(value):
    """History and config as plain Python values (a numpy scalar would need pickled code)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def save(path: Path, model, opt, sched, epoch: int, history: list, config: dict) -> None:
    """Write to a temporary file, flush to disk, then rename over the old checkpoint."""
    state = {"model": model.state_dict(), "optimizer": opt.state_dict(),
             "scheduler": sched.state_dict(), "next_epoch": epoch + 1, "history": _plain(history),
             "config": _plain(config), "rng": rng_state()}
    write_atomically(path, lambda f: torch.save(state, f))


def load(path: Path, config: dict) -> dict:
    """The saved state; refuses a checkpoint made with a different recipe."""
    if not path.is_file():
        raise TrainError(f"{path}: no checkpoint to resume from; run without --resume")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights only" not in str(exc).lower():   # not a refusal: a damaged file
            raise TrainError(f"{path}: unreadable checkpoint (UnpicklingError); delete it and "
                             f"run without --resume") from None
        raise TrainError(f"{path}: refused: the checkpoint holds more than tensors and plain values "
                         f"(its pickle would run code); archlens never loads such a file") from None
    except Exception as exc:  # a truncated or foreign file
        raise TrainError(f"{path}: unreadable checkpoint ({type(exc).__name__}); delete it and "
                         f"run without --resume") from None
    _check_shape(path, state)
    config = _plain(config)
    if state.get("config") != config:
        changed = sorted(k for k in set(config) | set(state.get("config", {}))
                         if config.get(k) != state.get("config", {}).get(k))
        raise TrainError(f"{path}: the checkpoint was made with other settings ({', '.join(changed)}"
                         f" differ); resume with the same settings or use a new --out")
    return state


def _check_shape(path: Path, state) -> None:
    if not isinstance(state, dict):
        raise TrainError(f"{path}: not an archlens checkpoint (a {type(state).__name__}, not a "
                         f"mapping); delete it and run without --resume")
    missing = [k for k in KEYS if k not in state]
    if missing:
        raise TrainError(f"{path}: not an archlens checkpoint (no {', '.join(missing)}); delete it "
                         f"and run without --resume")
    if not isinstance(state["config"], dict) or not isinstance(state["history"], list) \
            or not isinstance(state["next_epoch"], int) or isinstance(state["next_epoch"], bool):
        raise TrainError(f"{path}: not an archlens checkpoint (config, history or next_epoch of "
                         f"the wrong type); delete it and run without --resume")


def restore(state: dict, model, opt, sched, path: Path | None = None) -> tuple[int, list]:
    """Load states into the objects; returns (next epoch, history). A checkpoint of another
    architecture (or a damaged one) is a one-line TrainError."""
    part = "model"
    try:
        model.load_state_dict(state["model"])
        part = "optimizer"
        opt.load_state_dict(state["optimizer"])
        part = "scheduler"
        sched.load_state_dict(state["scheduler"])
        part = "random state"
        set_rng_state(state["rng"])
    except (RuntimeError, KeyError, ValueError, TypeError, AttributeError, IndexError) as exc:
        detail = " ".join(str(exc).split())[:200] or type(exc).__name__
        raise TrainError(f"{path or CHECKPOINT}: the checkpoint's {part} does not fit this run "
                         f"({detail}); it comes from another architecture or is damaged: "
                         f"use a new --out or --force") from None
    return state["next_epoch"], state["history"]

"""What every task provides to the loop: data, loss, a metric meter, final facts."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import torch
from torch.utils.data import Dataset

from archlens.errors import TrainError
from archlens.spec.recipes import parse_record


@dataclass
class TrainData:
    """Training and held-out validation sets for one run (or one fold)."""

    train: Dataset
    val: Dataset
    num_classes: int | None = None     # classes the model must predict (None: regression)
    classes: tuple[str, ...] = ()      # names, index = class id / target
    source: str = ""                   # where the data came from, for the report
    truth: dict = dataclasses.field(default_factory=dict)   # generator facts (true slope, ...)
    extra: dict = dataclasses.field(default_factory=dict)   # task-owned (detection: the scenes)


@dataclass(frozen=True)
class NoSettings:
    """Tasks without settings of their own reject every key under ``train.<recipe>.task``."""


class Meter:
    """Accumulates a metric over batches; ``result()`` equals the metric over all of them."""

    def update(self, outputs: torch.Tensor, batch) -> None:
        pass

    def result(self) -> dict:
        return {}


class Task:
    """Base task: subclasses override ``data``, ``loss`` and, where they have one, ``meter``."""

    name = ""                   # set by @register_task
    metric: str | None = None   # headline metric (curves, folds summary), e.g. 'accuracy'
    Settings: type = NoSettings

    def settings(self, config, where: str):
        return parse_record(self.Settings, config.task, f"{where}.task")

    def data(self, spec, config, data_dir: Path | None) -> TrainData:
        raise NotImplementedError

    def training_module(self, model, config) -> torch.nn.Module:
        """The module the loop trains: ``model`` itself, or a wrapper around it that shares its
        weights (SPPNet: windows pooled from one conv map per image)."""
        return model

    def loss(self, model, batch) -> tuple[torch.Tensor, torch.Tensor]:
        raise NotImplementedError

    def meter(self, data: TrainData) -> Meter:
        return Meter()

    def final(self, model, data: TrainData, config) -> dict:
        """Facts read off the trained model (e.g. slope and intercept); validation metrics come
        from the last epoch's history."""
        return {}

    def fit_after(self, model, data: TrainData, config, device) -> dict:
        """Stages after network training (detection's SVMs and box regressors); extra metrics."""
        return {}


def no_data_dir(task: str, data_dir: Path | None) -> None:
    if data_dir is not None:
        raise TrainError(f"--data {data_dir}: the {task} task trains on generated data only; "
                         f"drop --data")


def batch_size_of(batch) -> int:
    first = batch[0]
    return len(first) if not isinstance(first, torch.Tensor) else first.shape[0]

"""The ``train:`` section of a spec: a validated, typed recipe, overridable from the command line.

A spec holds up to two recipes::

    train:
      quick: {width: 0.125, input: [3, 32, 32], epochs: 8, batch_size: 32,
              optimizer: {name: adam, lr: 1e-3}, data: {n_train: 1500, n_val: 300}}
      full:  {epochs: 74, batch_size: 256, optimizer: {name: sgd, lr: 0.01, momentum: 0.9}}

``quick`` trains a width-scaled, small-input variant on synthetic data within minutes on a CPU;
``full`` is the paper's recipe at native size. Unknown keys are rejected by name with the closest
suggestion, and ``--set optimizer.lr=0.01`` overrides any key (the value is read as YAML).
"""
from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any

import yaml

from .. import yamlio
from ..errors import SpecError, TrainError
from ..kinds.args import Bool, NonNegInt, PosFloat, PosInt, Prob, choice, suggest
from .precision import PRECISIONS

RECIPES = ("quick", "full")


def _nonneg_float(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise ValueError(f"must be a non-negative number, got {value!r}")
    return float(value)


NonNegFloat = Annotated[float, _nonneg_float]


def _opt(parser):
    return lambda v: None if v is None else parser(v)


def _input(value: Any) -> tuple[int, ...]:
    ok = isinstance(value, list) and len(value) in (1, 3) and all(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in value)
    if not ok:
        raise ValueError(f"must be [C, H, W] or [features] of positive integers, got {value!r}")
    return tuple(value)


def _float_list(value: Any) -> tuple[float, ...]:
    if not isinstance(value, list) or not all(isinstance(v, (int, float)) for v in value):
        raise ValueError(f"must be a list of numbers, got {value!r}")
    return tuple(float(v) for v in value)


def _int_list(value: Any) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(isinstance(v, int) and v > 0 for v in value):
        raise ValueError(f"must be a list of positive integers, got {value!r}")
    return tuple(value)


@dataclass(frozen=True)
class OptimizerConfig:
    """First-order method and its settings (learning rate in loss units per gradient unit)."""

    name: Annotated[str, choice("sgd", "adam")] = "sgd"
    lr: PosFloat = 0.01                        # initial learning rate
    momentum: Prob = 0.9   # SGD only
    weight_decay: NonNegFloat = 0.0  # L2 penalty factor
    betas: Annotated[tuple, _float_list] = (0.9, 0.999)   # Adam only (Kingma & Ba 2015 defaults)


@dataclass(frozen=True)
class ScheduleConfig:
    """Learning-rate schedule, stepped once per epoch."""

    name: Annotated[str, choice("constant", "step", "multistep", "cosine")] = "constant"
    step_size: PosInt = 10                     # 'step': epochs between decays
    milestones: Annotated[tuple, _int_list] = ()   # 'multistep': epochs at which to decay
    gamma: PosFloat = 0.1                      # decay factor ('step', 'multistep')


@dataclass(frozen=True)
class DataConfig:
    """Synthetic data sizes (ignored for a user's ``--data`` folder except ``val_fraction``)."""

    n_train: PosInt = 1000                     # generated training samples
    n_val: PosInt = 200                        # generated validation samples (held out)
    seed: NonNegInt = 0   # generator seed
    val_fraction: Prob = 0.2                   # class-folder trees without train/val subfolders
    noise_std: NonNegFloat = 0.1   # regression noise
    max_objects: PosInt = 3                    # objects per scene (segmentation, detection)
    # Segmentation scenes (None: the shapes generator's defaults): circumradius range as a
    # fraction of the shorter side (0.12..0.30) and the turn of squares and triangles within
    # +-max_rotation degrees of upright (180). FCN-32s predicts on a 32-pixel grid, so its quick
    # recipe needs objects a few cells wide.
    min_size: Annotated[typing.Optional[float], _opt(_nonneg_float)] = None
    max_size: Annotated[typing.Optional[float], _opt(_nonneg_float)] = None
    max_rotation: Annotated[typing.Optional[float], _opt(_nonneg_float)] = None


@dataclass(frozen=True)
class TrainConfig:
    """One recipe. Sizes in samples; ``width`` multiplies every layer width except class counts."""

    epochs: PosInt = 10
    batch_size: PosInt = 32                    # global batch (split across DDP processes)
    width: PosFloat = 1.0                      # width multiplier (core's scale_width)
    input: Annotated[typing.Optional[tuple], _opt(_input)] = None   # None: the spec's input
    init: Annotated[str, choice("default", "kaiming", "lsuv")] = "default"  # model.py INITS
    seed: NonNegInt = 0
    grad_clip: Annotated[typing.Optional[float], _opt(_nonneg_float)] = None
    shuffle: Bool = True
    # Forward-pass arithmetic (precision.py): 'auto' is bf16 autocast where the hardware has
    # native bfloat16 (AMX CPUs, recent GPUs) and float32 elsewhere; the run records which.
    precision: Annotated[str, choice(*PRECISIONS)] = "fp32"
    optimizer: OptimizerConfig = field(default_factory=OptimizerConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    data: DataConfig = field(default_factory=DataConfig)
    task: dict = field(default_factory=dict)   # task-specific settings (checked by the task)


def _parser(hint):
    """A ``(value, where) -> parsed`` function for one field: nested record, mapping or typed."""
    if dataclasses.is_dataclass(hint):
        return lambda v, where: parse_record(hint, v, where)
    if hint is dict:
        return lambda v, where: _mapping(v, where)
    return lambda v, where: hint.__metadata__[0](v)


def _mapping(value: Any, where: str) -> dict:
    if not isinstance(value, dict):
        raise TrainError(f"{where}: must be a mapping, got {value!r}")
    return dict(value)


def parse_record(record: type, raw: Any, where: str):
    """Validate the mapping ``raw`` against ``record``; errors name ``where`` and the key."""
    raw = _mapping(raw if raw is not None else {}, where)
    hints = typing.get_type_hints(record, include_extras=True)
    names = [f.name for f in dataclasses.fields(record)]
    values = {}
    for key, value in raw.items():
        if key not in names:
            hint = suggest(str(key), names)
            raise TrainError(f"{where}: unknown key '{key}'"
                             + (hint if hint else f" (known: {', '.join(names)})"))
        try:
            values[key] = _parser(hints[key])(value, f"{where}.{key}")
        except ValueError as exc:
            raise TrainError(f"{where}.{key} {exc}") from None
    return record(**values)


def recipe(spec, name: str, overrides: dict | None = None) -> TrainConfig:
    """The spec's ``train.<name>`` recipe with ``overrides`` (dotted keys) applied, validated."""
    where = f"{spec.path or spec.name}: train"
    section = _mapping(spec.train or {}, where)
    for key in section:
        if key not in RECIPES:
            raise TrainError(f"{where}: unknown key '{key}'{suggest(str(key), RECIPES)} "
                             f"(recipes: {', '.join(RECIPES)})")
    raw = _deep_copy(section.get(name) or {})
    for dotted, value in (overrides or {}).items():
        _assign(raw, dotted, value)
    return parse_record(TrainConfig, raw, f"{where}.{name}")


def _deep_copy(value):
    return {k: _deep_copy(v) for k, v in value.items()} if isinstance(value, dict) else value


def _assign(raw: dict, dotted: str, value) -> None:
    keys = dotted.split(".")
    node = raw
    for key in keys[:-1]:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):
            raise TrainError(f"--set {dotted}: '{key}' is not a section")
    node[keys[-1]] = value


def parse_overrides(items: list[str] | None) -> dict:
    """``['optimizer.lr=0.01', 'epochs=3']`` -> ``{'optimizer.lr': 0.01, 'epochs': 3}``."""
    out = {}
    for item in items or []:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise TrainError(f"--set {item!r}: expected KEY=VALUE, e.g. --set optimizer.lr=0.01")
        try:   # the guarded loader: a value of nested aliases is refused before it expands
            out[key.strip()] = yamlio.parse(text, f"--set {key.strip()}")
        except SpecError as exc:
            raise TrainError(f"--set {item[:80]!r}: the value is not valid YAML "
                             f"({exc.problem})") from None
    return out


def as_dict(config: TrainConfig) -> dict:
    """JSON-ready form (tuples as lists), stored with every run."""
    return yaml.safe_load(yaml.safe_dump(_plain(dataclasses.asdict(config))))


def _plain(value):
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value

"""The schema of a spec's ``train:`` section: typed recipe records, torch-free.

The spec loader checks every recipe against these records when the spec loads (a misspelt key
fails ``archlens profile``, not an hour into training); the harness (``train.config``) reads
them, with command-line overrides, when it trains. Unknown keys are rejected by name with the
closest suggestion. Only ``task:`` settings are left to the task, which checks them at training.
"""
from __future__ import annotations

import dataclasses
import functools
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any

from archlens.errors import TrainError, quoted
from archlens.core.kinds.args import Bool, NonNegInt, PosFloat, PosInt, Prob, bound, choice, describe, finite_number, is_size, positive_int, suggest

PRECISIONS = ("auto", "fp32", "bf16")  # train.precision: 'auto' picks bf16 where it is native
MEMORY_FORMATS = ("nchw", "nhwc")      # train.memory_format of the convolution weights

RECIPES = ("quick", "full")


def _nonneg_float(value: Any) -> float:
    number = finite_number(value)
    if number < 0:
        raise ValueError(f"must be a non-negative number, got {describe(value)}")
    return number


NonNegFloat = Annotated[float, _nonneg_float]


def _opt(parser):
    return lambda v: None if v is None else parser(v)


def _input(value: Any) -> tuple[int, ...]:
    ok = isinstance(value, list) and len(value) in (1, 3) and all(is_size(v) for v in value)
    if not ok:
        raise ValueError(f"must be [C, H, W] or [features] of positive integers{bound(value)}, "
                         f"got {describe(value)}")
    return tuple(value)


def _list_of(parse, what: str):
    """A parser for a list whose items each pass ``parse`` (bools and NaN refused there too)."""
    def parse_list(value: Any) -> tuple:
        if isinstance(value, list):
            try:
                return tuple(parse(v) for v in value)
            except ValueError:
                pass
        raise ValueError(f"must be a list of {what}{bound(value)}, got {describe(value)}")
    return parse_list


_float_list = _list_of(finite_number, "finite numbers")
_int_list = _list_of(positive_int, "positive integers")


def _betas(value: Any) -> tuple[float, float]:
    """Adam's decay rates for the gradient's running mean and square: two numbers in [0, 1), as
    torch requires (at 1 an average never leaves zero and its bias correction divides by zero)."""
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"must be two numbers [beta1, beta2], e.g. [0.9, 0.999], got {describe(value)}")
    betas = _float_list(value)
    if not all(0 <= b < 1 for b in betas):
        raise ValueError(f"must be two numbers in [0, 1), e.g. [0.9, 0.999], got {describe(value)}")
    return betas


@dataclass(frozen=True)
class OptimizerConfig:
    """First-order method and its settings (learning rate in loss units per gradient unit)."""

    name: Annotated[str, choice("sgd", "adam")] = "sgd"
    lr: PosFloat = 0.01                        # initial learning rate
    momentum: Prob = 0.9   # SGD only
    weight_decay: NonNegFloat = 0.0  # L2 penalty factor
    betas: Annotated[tuple, _betas] = (0.9, 0.999)   # Adam only (Kingma & Ba 2015 defaults)


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
    # Layout of the convolution weights (train/model.py): 'nhwc' (channels-last) runs oneDNN's
    # NHWC kernels, 1.2-2.2x faster for the VGG and FCN quick steps on a CPU thread and slower
    # for the LRN networks (benchmarks/train_memory_format.py); the sums are the same.
    memory_format: Annotated[str, choice(*MEMORY_FORMATS)] = "nchw"
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


@functools.cache  # resolving string annotations compiles each one: once per record, not per spec
def _hints(record: type) -> dict[str, Any]:
    return typing.get_type_hints(record, include_extras=True)


def parse_record(record: type, raw: Any, where: str):
    """Validate the mapping ``raw`` against ``record``; errors name ``where`` and the key."""
    raw = _mapping(raw if raw is not None else {}, where)
    hints = _hints(record)
    names = [f.name for f in dataclasses.fields(record)]
    values = {}
    for key, value in raw.items():
        if key not in names:
            hint = suggest(str(key), names)
            raise TrainError(f"{where}: unknown key {quoted(key)}"
                             + (hint if hint else f" (known: {', '.join(names)})"))
        try:
            values[key] = _parser(hints[key])(value, f"{where}.{key}")
        except ValueError as exc:
            raise TrainError(f"{where}.{key} {exc}") from None
    return record(**values)


def recipe_section(section: Any, where: str) -> dict:
    """The ``train:`` mapping, its keys checked against ``RECIPES``."""
    section = _mapping(section or {}, where)
    for key in section:
        if key not in RECIPES:
            raise TrainError(f"{where}: unknown key {quoted(key)}{suggest(str(key), RECIPES)} "
                             f"(recipes: {', '.join(RECIPES)})")
    return section


def check_train_section(section: Any, where: str = "train") -> None:
    """Every recipe of ``section`` parses (the spec loader calls this at load time)."""
    for name, raw in recipe_section(section, where).items():
        parse_record(TrainConfig, raw, f"{where}.{name}")

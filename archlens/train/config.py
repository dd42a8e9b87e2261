"""A run's recipe: the spec's ``train.<name>`` with command-line overrides, and its record.

A spec holds up to two recipes::

    train:
      quick: {width: 0.125, input: [3, 32, 32], epochs: 8, batch_size: 32,
              optimizer: {name: adam, lr: 1e-3}, data: {n_train: 1500, n_val: 300}}
      full:  {epochs: 74, batch_size: 256, optimizer: {name: sgd, lr: 0.01, momentum: 0.9}}

``quick`` trains a width-scaled, small-input variant on synthetic data within minutes on a CPU;
``full`` is the paper's recipe at native size. The records live in ``archlens.spec.recipes`` (torch-
free, checked when the spec loads); ``--set optimizer.lr=0.01`` overrides any key (the value is
read as YAML) and the result is validated again.
"""
from __future__ import annotations

import dataclasses

import yaml

from archlens.spec import yamlio
from archlens.errors import SpecError, TrainError
from archlens.spec.recipes import TrainConfig, parse_record, recipe_section


def recipe(spec, name: str, overrides: dict | None = None) -> TrainConfig:
    """The spec's ``train.<name>`` recipe with ``overrides`` (dotted keys) applied, validated."""
    where = f"{spec.where}: train"
    section = recipe_section(spec.train, where)
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

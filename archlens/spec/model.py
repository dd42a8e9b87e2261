"""Specs are data: frozen records, built only by ``load.py`` (which validates them).

Everything downstream (core analysis, torch building, teaching, the site) reads these records
and nothing else of the YAML.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from archlens.core.records import fast_init
from typing import Any

INPUT = "input"  # the name by which layers refer to the network input


@fast_init   # built per layer (records.py)
@dataclass(frozen=True)
class LayerSpec:
    name: str                              # unique; also the torch submodule name
    kind: str                              # a registered layer kind
    args: Any                              # the kind's typed argument record
    inputs: tuple[str, ...] | None = None  # producers by name; None = the previous layer
    frozen: bool = False                   # parameters excluded from training
    width_scaled: bool = True              # False where a size is tied to num_classes
    raw: dict = field(default_factory=dict, compare=False)  # arguments as written


@dataclass(frozen=True)
class Spec:
    name: str                        # identifier, defaults to the file stem
    input: tuple[int, ...]           # (C, H, W) or (F,), batch axis excluded
    layers: tuple[LayerSpec, ...]    # in spec order; wiring via LayerSpec.inputs
    title: str = ""                  # human title, e.g. "VGG-16 (configuration D)"
    source: str = ""                 # paper and table the spec transcribes
    description: str = ""
    task: str = "classification"     # classification | regression | segmentation | detection
    num_classes: int | None = None   # classes the head predicts
    expected: dict = field(default_factory=dict)  # published numbers tests check
    train: dict = field(default_factory=dict)     # training recipe (validated by the harness)
    extra: dict = field(default_factory=dict)     # sections owned by other modules (detection)
    path: Path | None = None         # the file it was loaded from, resolved (None: in memory)
    display: str = ""                # where it came from as the user gave it, for messages
    backbone: Path | None = None     # the spec file whose layers ``backbone:`` reused, resolved
    outputs: tuple[str, ...] = ()    # layers the built model returns; () = those nothing reads

    @property
    def where(self) -> str:
        """Where messages and pages say the spec is: its file as the user gave it, else its name."""
        return self.display or self.name

    def layer(self, name: str) -> LayerSpec:
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, LayerSpec]:
        """Callers look up every layer by name; a scan each time would be quadratic."""
        return {layer.name: layer for layer in self.layers}


# What the public API accepts as a spec: a bundled name, a YAML path, a mapping, or a Spec
SpecRef = str | Path | Spec | dict

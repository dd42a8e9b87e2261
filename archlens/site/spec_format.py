"""The "Spec format" reference page: every key a spec may have, and every layer kind.

The lists come from the code that checks them, never from a copy: the loader's ``TOP_KEYS`` and
``LAYER_KEYS``, the ``vgg_stages`` shorthand's keys and defaults, ``expected.FIELDS``, the
recipe records of ``train:`` (``spec/recipes.py``), the ``detection:`` record, the ``imported:``
keys, and the kind registry (``kind_reference``). Only the one-line meaning of each top-level
key is written here, in ``TOP_MEANING``; a test fails when a key has none or a meaning no key.
"""
from __future__ import annotations

import dataclasses

from archlens.site import mdtext as md
from archlens.site.kind_reference import doc_md, kinds_md
from archlens.site.record_docs import field_docs, yaml_value

# top-level key -> (required?, what it holds and how the loader checks it)
TOP_MEANING = {
    "name": (False, "identifier of the spec; default: the file name without .yaml"),
    "title": (False, "human title shown on the page, e.g. VGG-16 (configuration D)"),
    "description": (False, "a paragraph shown under the title"),
    "source": (False, "the paper and table the spec transcribes"),
    "task": (False, "classification (default), regression, segmentation or detection: decides "
                    "the training loss and the data generated"),
    "input": (True, "[C, H, W] or [features] of positive integers, batch axis excluded"),
    "num_classes": (False, "positive integer; an argument written num_classes takes it"),
    "backbone": (False, "reuse another spec's layers: {spec: NAME or file.yaml, until: LAYER, "
                        "override: {LAYER or glob: {argument: value}}}; no cycles"),
    "layers": (True, "the list of layers in order (below); each a mapping, or a vgg_stages entry"),
    "outputs": (False, "layers the built model returns, a list of distinct layer names; "
                       "default: every layer no other layer reads"),
    "expected": (False, "published numbers the tests hold the profile to (below)"),
    "train": (False, "training recipes quick and full (below), checked when the spec loads"),
    "detection": (False, "how a whole image goes through a detection network (below)"),
    "notes": (False, "text shown in a Notes box on the page"),
    "imported": (False, "written by archlens import: where the model came from, and the module "
                        "path of each layer whose name is not its path (below)"),
}
LAYER_MEANING = {
    "name": "identifier (letters, digits, _), unique, not input; the torch submodule name",
    "kind": "one of the layer kinds below",
    "inputs": "a layer name or a list of them (input: the network input); default: the "
              "previous layer",
    "frozen": "true: its parameters are not trained (counted as frozen)",
}
EXAMPLE = """\
name: tiny_cnn
title: A small CNN
task: classification
input: [3, 32, 32]
num_classes: 10
layers:
  - {name: conv1, kind: conv, out_channels: 16, kernel_size: 3, padding: 1}
  - {name: relu1, kind: relu}
  - {name: pool1, kind: maxpool, kernel_size: 2, stride: 2}
  - {name: flat, kind: flatten}
  - {name: fc, kind: linear, out_features: num_classes}
"""


def top_keys_md() -> str:
    from archlens.spec.load import TOP_KEYS
    rows = [[f"`{k}`", "yes" if TOP_MEANING[k][0] else "no", md.text(TOP_MEANING[k][1])]
            for k in TOP_KEYS]
    return "\n".join(["## Top-level keys", "",
                      "Any other key is refused when the spec loads, with the closest known key "
                      "suggested. `layers` may be left out where `backbone` gives the layers.", "",
                      md.table(["key", "required", "holds"], rows)])


def layers_md() -> str:
    from archlens.spec.load import LAYER_KEYS
    from archlens.spec.shorthand import CONV_DEFAULT, LRN_DEFAULT, POOL_DEFAULT, STAGE_KEYS
    rows = [[f"`{k}`", md.text(LAYER_MEANING[k])] for k in LAYER_KEYS]
    defaults = {"conv": CONV_DEFAULT, "pool": POOL_DEFAULT, "lrn": LRN_DEFAULT}
    shown = "; ".join(f"`{k}` {md.text(_flow(v))}" for k, v in defaults.items())
    return "\n".join([
        "## Layers", "",
        "Each entry of `layers:` is one layer. Its keys are these, and the arguments of its "
        "kind (see [Layer kinds](#layer-kinds)):", "", md.table(["key", "holds"], rows), "",
        "### The `vgg_stages` shorthand", "",
        "An entry `{vgg_stages: [64, 64, M, 128, ...]}` writes a VGG column as in Simonyan & "
        "Zisserman (2014) Table 1: an integer is a 3x3 convolution with that many channels and a "
        "ReLU, `M` a max pool ending a stage, `LRN` a local response norm, a mapping a "
        f"convolution with its own arguments. Its keys: {', '.join(f'`{k}`' for k in STAGE_KEYS)}; "
        f"the defaults they override: {shown}."])


def _flow(mapping: dict) -> str:
    return "{" + ", ".join(f"{k}: {yaml_value(v)}" for k, v in mapping.items()) + "}"


def expected_md() -> str:
    from archlens.spec.expected import FIELDS
    rows = [[f"`{k}`", md.text(what)] for k, (_, what) in FIELDS.items()]
    return "\n".join(["## `expected:`", "", "Published numbers; a misspelt key is refused.", "",
                      md.table(["key", "holds"], rows)])


def record_md(record, title: str) -> str:
    rows = [[f"`{f.name}`", "required" if f.required else md.text(f.default or '""'),
             md.text(f.accepts) or "-", md.text(f.note) or "-"] for f in field_docs(record)]
    doc = doc_md((record.__doc__ or "").strip().split("\n\n")[0])
    return "\n".join([f"### {title}", "", doc, "",
                      md.table(["key", "default", "accepts", "meaning"], rows)])


def train_md() -> str:
    from archlens.spec.recipes import RECIPES, TrainConfig
    nested = [(f.name, f.default_factory) for f in dataclasses.fields(TrainConfig)
              if dataclasses.is_dataclass(f.default_factory)]
    return "\n\n".join([
        "## `train:`",
        f"Recipes by name ({', '.join(f'`{r}`' for r in RECIPES)}), each a mapping of these keys; "
        "`archlens train SPEC --quick` runs `quick`. Unknown keys are refused when the spec loads.",
        record_md(TrainConfig, "A recipe"),
        *(record_md(rec, f"`{name}:`") for name, rec in nested)])


def detection_md() -> str:
    from archlens.detection.config import COMMON, ONLY, DetectionConfig
    only = "; ".join(f"`{m}` only: {', '.join(f'`{k}`' for k in keys)}" for m, keys in ONLY.items())
    return "\n\n".join([
        "## `detection:`",
        f"For task detection. Keys for every method: {', '.join(f'`{k}`' for k in COMMON)}; {only}.",
        record_md(DetectionConfig, "Keys")])


def imported_md() -> str:
    from archlens.importers.section import KEYS
    return "\n".join(["## `imported:`", "",
                      f"Written by `archlens import`; keys {', '.join(f'`{k}`' for k in KEYS)}: "
                      "`from` is the TARGET, `modules` maps a layer to its module path in the "
                      "model, so the model's `state_dict` loads into the built spec."])


def spec_format_page() -> str:
    return "\n\n".join([
        "# Spec format",
        "A spec is a YAML file describing one network: its input, its layers in order and how "
        "they connect, and optionally where its numbers come from and how to train it. "
        "`archlens profile my_spec.yaml` checks it when it loads: a problem prints one line "
        "naming the file, the layer and the problem. A small complete spec:",
        md.code_block(EXAMPLE, "yaml"),
        top_keys_md(), layers_md(), expected_md(), train_md(), detection_md(), imported_md(),
        kinds_md()]).rstrip() + "\n"

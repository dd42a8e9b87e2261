"""Shorthand that expands at load time into canonical layer mappings.

``vgg_stages`` writes a VGG configuration column as in Simonyan & Zisserman (2014), Table 1:
an integer is a 3x3 convolution with that many channels (followed by ReLU), ``M`` a 2x2
max pool that ends a stage, ``LRN`` a local response norm; a mapping is a convolution with
its own arguments (configuration C's 1x1 layers). Names follow the Caffe models:
``conv{stage}_{i}``, ``relu{stage}_{i}``, ``norm{stage}``, ``pool{stage}``.
"""
from __future__ import annotations

import fnmatch

from archlens.errors import SpecError, quoted

STAGE_KEYS = ("vgg_stages", "conv", "pool", "lrn", "batch_norm")
CONV_DEFAULT = {"kernel_size": 3, "padding": 1}           # VGG Sec. 2.1: 3x3, stride 1, pad 1
POOL_DEFAULT = {"kernel_size": 2, "stride": 2}            # VGG Sec. 2.1: 2x2 window, stride 2
LRN_DEFAULT = {"size": 5, "alpha": 0.0005, "beta": 0.75, "k": 2.0}  # VGG's Caffe LRN (as AlexNet's)
_EXAMPLES = {"conv": "{kernel_size: 3, padding: 1}", "pool": "{kernel_size: 2, stride: 2}",
             "lrn": "{size: 5}"}


def expand_item(item, index: int) -> list[dict]:
    """One entry of ``layers:`` -> canonical layer mappings."""
    if not isinstance(item, dict):
        raise SpecError(f"layers[{index}] must be a mapping with 'name' and 'kind', got {item!r}")
    if "vgg_stages" in item:
        return expand_vgg_stages(item)
    return [dict(item)]


def _options(item: dict) -> tuple[dict, dict, dict, bool]:
    for key in item:
        if key not in STAGE_KEYS:
            from archlens.core.kinds.args import suggest
            raise SpecError(f"unknown key {quoted(key)} in vgg_stages{suggest(str(key), STAGE_KEYS)}",
                            layer="vgg_stages")
    conv = {**CONV_DEFAULT, **_arguments(item, "conv")}
    pool = {**POOL_DEFAULT, **_arguments(item, "pool")}
    lrn = {**LRN_DEFAULT, **_arguments(item, "lrn")}
    batch_norm = item.get("batch_norm", False)
    if not isinstance(batch_norm, bool):   # bool('no') is True: a typo would add layers
        raise SpecError(f"'batch_norm' must be true or false, got {batch_norm!r}",
                        layer="vgg_stages")
    return conv, pool, lrn, batch_norm


def _arguments(item: dict, key: str) -> dict:
    """The arguments ``key`` (conv, pool, lrn) gives every layer of its kind; each is checked
    with the layer it lands in, the mapping itself here."""
    value = item.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise SpecError(f"'{key}' must be a mapping of {key} arguments, e.g. "
                        f"{key}: {_EXAMPLES[key]}, got {value!r}", layer="vgg_stages")
    return value


def expand_vgg_stages(item: dict) -> list[dict]:
    conv, pool, lrn, batch_norm = _options(item)
    entries = item["vgg_stages"]
    if not isinstance(entries, list):
        raise SpecError("vgg_stages must be a list like [64, M, 128, M]", layer="vgg_stages")
    out: list[dict] = []
    stage, i = 1, 0
    for entry in entries:
        if entry == "M":
            out.append({"name": f"pool{stage}", "kind": "maxpool", **pool})
            stage, i = stage + 1, 0
        elif entry == "LRN":
            out.append({"name": f"norm{stage}", "kind": "lrn", **lrn})
        else:
            i += 1
            out.extend(_conv_block(entry, stage, i, conv, batch_norm))
    return out


def _conv_block(entry, stage: int, i: int, conv: dict, batch_norm: bool) -> list[dict]:
    tag = f"{stage}_{i}"
    if isinstance(entry, int) and not isinstance(entry, bool):
        args = {**conv, "out_channels": entry}
    elif isinstance(entry, dict):
        args = {**conv, **entry}
    else:
        raise SpecError(f"entry {entry!r} must be a channel count, M, LRN or a mapping of conv "
                        f"arguments", layer="vgg_stages")
    block = [{"name": f"conv{tag}", "kind": "conv", **args}]
    if batch_norm:
        block.append({"name": f"bn{tag}", "kind": "batchnorm"})
    block.append({"name": f"relu{tag}", "kind": "relu"})
    return block


def apply_overrides(layers: list[dict], overrides: dict) -> list[dict]:
    """Overrides keyed by layer name or glob (``pool*``) update those layers' arguments."""
    if not isinstance(overrides, dict):
        raise SpecError("backbone override must map layer names (or globs) to arguments")
    names = [raw.get("name", "") for raw in layers]
    for pattern, changes in overrides.items():
        if not any(fnmatch.fnmatchcase(n, str(pattern)) for n in names):
            from archlens.core.kinds.args import suggest
            raise SpecError(f"backbone override '{pattern}' matches no layer"
                            f"{suggest(str(pattern), names)}")
        if not isinstance(changes, dict):
            raise SpecError(f"backbone override '{pattern}' must be a mapping of arguments")
    return [_override(raw, overrides) for raw in layers]


def _override(raw: dict, overrides: dict) -> dict:
    out = dict(raw)
    for pattern, changes in overrides.items():
        if fnmatch.fnmatchcase(raw.get("name", ""), str(pattern)):
            out.update(changes)
    return out

"""Convolutionalization: a classifier's dense layers become convolutions.

Long, Shelhamer & Darrell (CVPR 2015), Sec. 3.1 and Fig. 2: a fully connected layer is a
convolution whose kernel covers its entire input region. The first linear after a flatten
of a (C, H, W) map becomes an H x W convolution (VGG-16's fc6: 7x7, 4096 outputs); every
later linear becomes a 1x1 convolution (fc7, fc8). The weights are the same numbers,
reshaped: torch's flatten order is (C, H, W), so ``W.view(out, C, H, W)``. The result takes
any input size and outputs a score map; at the classifier's own size that map is 1x1 and
equals the classifier's logits.
"""
from __future__ import annotations

import dataclasses

from archlens.errors import DataError, SpecError
from archlens.files import check_output, write_atomically, write_text_atomically
from archlens.core.geometry import fmt_shape
from archlens.core.graph import order, walk_shapes
from archlens.core.kinds import get_kind
from archlens.spec.model import INPUT, LayerSpec, Spec
from archlens.spec.load import load_spec, resolve_path, spec_from_dict
from archlens.spec.yamlwrite import spec_yaml


def convolutionalize(spec, state_dict: dict | None = None) -> tuple[Spec, dict | None]:
    """The fully convolutional spec of ``spec`` (and ``state_dict`` with dense weights reshaped)."""
    spec = load_spec(spec)
    doc, kernels = convolutionalized_doc(spec)
    shown = spec_from_dict(doc, file=f"{spec.where} (convolutionalized)")  # messages say so
    new_spec = dataclasses.replace(shown, path=spec.path)  # still the classifier's file
    return new_spec, (None if state_dict is None else _reshape_weights(state_dict, kernels))


def convolutionalized_doc(spec: Spec) -> tuple[dict, dict[str, tuple[int, int, int]]]:
    """The new spec as plain YAML data, and {linear layer: (C_in, k_h, k_w)} of its conv."""
    nodes, shapes = order(spec), walk_shapes(spec)
    alias: dict[str, str] = {}         # dropped flatten -> its source
    kernels: dict[str, tuple[int, int, int]] = {}
    layers, previous = [], INPUT
    for node in nodes:
        sources = [alias.get(s, s) for s in node.inputs]
        kind = get_kind(node.layer.kind)
        if kind.flattening:
            alias[node.name] = sources[0]
            continue
        raw = _layer_doc(node.layer, sources, previous)
        if kind.fully_connected:
            c, kh, kw = _kernel(spec, node.layer, sources[0], shapes[sources[0]])
            kernels[node.name] = (c, kh, kw)
            raw = _as_conv(raw, node.layer, kh, kw)
        layers.append(raw)
        previous = node.name
    if not kernels:
        raise SpecError("nothing to convolutionalize: the spec has no linear layer",
                        file=spec.where)
    return _spec_doc(spec, layers), kernels


def _layer_doc(layer: LayerSpec, sources: list[str], previous: str) -> dict:
    raw = {"name": layer.name, "kind": layer.kind, **_tied(layer)}
    if sources != [previous]:
        raw["inputs"] = sources
    if layer.frozen:
        raw["frozen"] = True
    return raw


def _tied(layer: LayerSpec) -> dict:
    """The layer's arguments (as written, or changed by scale_width); a size tied to the
    spec's class count is written as num_classes."""
    raw = {}
    for f in dataclasses.fields(layer.args):
        value = getattr(layer.args, f.name)
        if value is not None and (f.name in layer.raw or value != f.default):
            raw[f.name] = list(value) if isinstance(value, tuple) else value
    arg = get_kind(layer.kind).width_arg
    if not layer.width_scaled and arg in raw:
        raw[arg] = "num_classes"
    return raw


def _kernel(spec: Spec, layer: LayerSpec, source: str, shape) -> tuple[int, int, int]:
    """(C, k_h, k_w): the whole input map for the first dense layer, 1x1 after that."""
    if len(shape) == 3:
        return shape
    if source != INPUT:
        return (shape[0], 1, 1)
    raise SpecError("a linear layer on the network input has no spatial map to convolutionalize",
                    file=spec.where, layer=layer.name, kind=layer.kind)


def _as_conv(raw: dict, layer: LayerSpec, kh: int, kw: int) -> dict:
    out = {k: v for k, v in raw.items() if k not in ("out_features", "in_features", "kind")}
    return {"name": out.pop("name"), "kind": "conv", "out_channels": raw["out_features"],
            "kernel_size": [kh, kw], **out}


def _spec_doc(spec: Spec, layers: list[dict]) -> dict:
    doc = {"name": f"{spec.name}_fully_conv",
           "title": f"{spec.title or spec.name}, convolutionalized",
           "source": (spec.source + "; " if spec.source else "") +
           "convolutionalized as in Long, Shelhamer & Darrell, CVPR 2015, Sec. 3.1",
           "description": f"{spec.name} with its dense layers as convolutions: a class-score "
                          f"map for any input size (1x1 at {fmt_shape(spec.input[1:])}).",
           "task": "segmentation", "input": list(spec.input), "layers": layers}
    if spec.num_classes is not None:
        doc["num_classes"] = spec.num_classes
    return doc


def _reshape_weights(state_dict: dict, kernels: dict) -> dict:
    out = dict(state_dict)
    for name, (c, kh, kw) in kernels.items():
        key = f"{name}.weight"
        if key not in state_dict:
            raise DataError(f"weights: no '{key}' for linear layer '{name}' "
                            f"(keys are the spec's layer names, e.g. 'fc6.weight')")
        w = state_dict[key]
        if w.dim() != 2 or w.shape[1] != c * kh * kw:
            raise DataError(f"weights: '{key}' has shape {tuple(w.shape)}, expected "
                            f"(out, {c * kh * kw}) for a {c}x{kh}x{kw} input")
        out[key] = w.reshape(w.shape[0], c, kh, kw).clone()
    return out


def load_weights(path) -> dict:
    """A state_dict from ``path`` (tensors only: ``weights_only``), or a one-line DataError."""
    import torch
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise DataError(f"{path}: no such weights file") from None
    except Exception as exc:  # unpickling failures come in many classes
        raise DataError(f"{path}: not a PyTorch state_dict ({exc.__class__.__name__})") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise DataError(f"{path}: expected a state_dict (a mapping of names to tensors)")
    return state


def run_command(ref, weights=None, out_spec=None, out_weights=None, force: bool = False) -> str:
    """The CLI's work: convolutionalize, write files atomically; returns YAML for stdout or ''.

    An output that is an input (the spec, the weights) or the other output is refused, and an
    existing file is replaced only with ``force``; both are checked before anything is written."""
    if out_weights and not weights:
        raise DataError("--out-weights needs --weights (the classifier's trained state_dict)")
    spec = load_spec(ref)
    inputs = [resolve_path(ref) if not isinstance(ref, (Spec, dict)) else None, weights]
    if out_spec:
        check_output(out_spec, inputs, force, "--out-spec")
    if out_weights:
        check_output(out_weights, [*inputs, out_spec], force, "--out-weights")
    doc, _ = convolutionalized_doc(spec)
    _, state = convolutionalize(spec, load_weights(weights) if weights else None)
    text = spec_yaml(doc)
    if out_weights:
        import torch
        write_atomically(out_weights, lambda f: torch.save(state, f))
    if out_spec:
        write_text_atomically(out_spec, text)
        return ""
    return text

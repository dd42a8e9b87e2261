"""The ``detection:`` section of a spec: which pipeline runs the per-region network, validated.

A detection spec's ``layers:`` is the per-region network (R-CNN: the whole CNN at the warp
size; SPPNet: the conv trunk, an ``spp`` layer, fc6, fc7, a classifier head). ``detection:``
says how a whole image goes through it. Pure: no torch.
"""
from __future__ import annotations

from dataclasses import dataclass

from archlens.errors import SpecError, quoted
from archlens.core.kinds import get_kind
from archlens.core.kinds.args import MAX_INT, bound, describe, is_size, suggest
from archlens.spec.sections import register_section_check

METHODS = ("rcnn", "sppnet")
COMMON = ("method", "proposals", "feature_layer", "bbox_features", "nms_iou", "image_size")
ONLY = {"rcnn": ("context_pad",), "sppnet": ("shared_until", "scale")}
DEFAULT_BBOX = {"rcnn": "pool5", "sppnet": "spp"}


@dataclass(frozen=True)
class DetectionConfig:
    method: str                     # rcnn | sppnet
    proposals: int = 2000           # cap on region proposals per image (R-CNN Sec. 2.1: ~2000)
    feature_layer: str = "relu7"    # layer whose output the SVMs score (fc7 after ReLU)
    bbox_features: str = "pool5"    # layer whose output the box regressors read (Appendix C)
    nms_iou: float = 0.3            # greedy per-class NMS overlap threshold
    image_size: tuple = (375, 500)  # (H, W) of the image a per-image profile assumes
    context_pad: int = 16           # rcnn: pixels of warped context around each box (App. A)
    shared_until: str = ""          # sppnet: last layer run once per image
    scale: int = 688                # sppnet: shorter image side after resizing (Sec. 4.1)

    @property
    def shares_convolutions(self) -> bool:
        return self.method == "sppnet"


def detection_config(spec) -> DetectionConfig:
    """The typed ``detection:`` section of ``spec``; a SpecError naming the key otherwise."""
    raw = spec.extra.get("detection")
    file = spec.where
    if raw is None:
        raise SpecError(f"spec '{spec.name}' has no detection: section (not a detection spec)",
                        file=file)
    try:
        return _parse(raw, spec)
    except SpecError as exc:
        raise exc.located(file=file) from None


def _problem(text: str) -> SpecError:
    return SpecError(f"detection: {text}")


def _parse(raw, spec) -> DetectionConfig:
    if not isinstance(raw, dict):
        raise _problem(f"must be a mapping with 'method' ({' or '.join(METHODS)}), got {raw!r}")
    method = raw.get("method")
    if method not in METHODS:
        hint = suggest(str(method), METHODS) if method else ""
        raise _problem(f"method must be one of {', '.join(METHODS)}, got {method!r}{hint}")
    _check_keys(raw, method)
    values = {"method": method, "bbox_features": DEFAULT_BBOX[method]}
    values.update({k: v for k, v in raw.items() if k != "method"})
    config = DetectionConfig(**_typed(values))
    _check_network(config, spec)
    return config


def _check_keys(raw: dict, method: str) -> None:
    allowed = COMMON + ONLY[method]
    for key in raw:
        if key in allowed:
            continue
        other = next((m for m, keys in ONLY.items() if key in keys), None)
        if other:
            raise _problem(f"'{key}' applies to method {other} only, not {method}")
        everything = COMMON + sum(ONLY.values(), ())
        raise _problem(f"unknown key {quoted(key)}{suggest(str(key), everything)} "
                       f"(known: {', '.join(allowed)})")


def _typed(values: dict) -> dict:
    out = dict(values)
    for key in ("proposals", "context_pad"):
        if key in out:
            out[key] = _int(key, out[key], 0)
    if "scale" in out:
        out["scale"] = _int("scale", out["scale"], 1)
    if "nms_iou" in out:
        v = out["nms_iou"]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 < v <= 1:
            raise _problem(f"nms_iou must be a number in (0, 1], got {v!r}")
        out["nms_iou"] = float(v)
    if "image_size" in out:
        out["image_size"] = _image_size(out["image_size"])
    return out


def _int(key: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= MAX_INT:
        kind = "a non-negative" if minimum == 0 else "a positive"
        raise _problem(f"{key} must be {kind} integer{bound(value)}, got {describe(value)}")
    return value


def _image_size(value) -> tuple[int, int]:
    ok = isinstance(value, list) and len(value) == 2 and all(is_size(v) for v in value)
    if not ok:
        raise _problem(f"image_size must be [H, W] of positive integers{bound(value)}, "
                       f"got {describe(value)}")
    return tuple(value)


def _check_network(config: DetectionConfig, spec) -> None:
    names = [layer.name for layer in spec.layers]
    for layer in spec.layers[1:]:
        if layer.inputs is not None and list(layer.inputs) != [names[names.index(layer.name) - 1]]:
            raise SpecError("detection networks must be a chain (each layer reads the previous)",
                            layer=layer.name, kind=layer.kind)
    if not spec.num_classes or spec.num_classes < 2:
        raise _problem("needs num_classes >= 2 (object classes + background)")
    if len(spec.input) != 3:
        raise _problem("the per-region network needs a [C, H, W] input")
    if config.shares_convolutions and not config.shared_until:
        raise _problem("sppnet needs shared_until: the last layer run once per image")
    keys = ["feature_layer", "bbox_features"] + (["shared_until"] if config.shares_convolutions else [])
    for key in keys:
        value = getattr(config, key)
        if value not in names:
            raise _problem(f"{key} '{value}' names no layer{suggest(str(value), names)}")
    if config.shares_convolutions:
        _check_shared(config, spec, names)


def _check_shared(config: DetectionConfig, spec, names: list[str]) -> None:
    cut = names.index(config.shared_until)
    spp = [i for i, layer in enumerate(spec.layers) if get_kind(layer.kind).spatial_pyramid]
    if not spp or spp[0] <= cut:
        raise _problem(f"sppnet needs an 'spp' layer after shared_until '{config.shared_until}'")
    for key in ("feature_layer", "bbox_features"):
        if names.index(getattr(config, key)) <= cut:
            raise _problem(f"{key} '{getattr(config, key)}' must come after shared_until "
                           f"'{config.shared_until}' (it runs once per region)")


def scaled_size(hw: tuple[int, int], scale: int) -> tuple[int, int]:
    """(H, W) after resizing so the shorter side is ``scale`` (SPPNet Sec. 4.1: min(w, h) = s)."""
    factor = scale / min(hw)
    return tuple(max(1, round(v * factor)) for v in hw)


register_section_check("detection", detection_config)  # checked when a spec loads

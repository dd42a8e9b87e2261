"""Build a runnable detector from a detection spec; save and load its weights."""
from __future__ import annotations

from pathlib import Path

import torch

from archlens.nn.build import build_model
from archlens.errors import DataError
from archlens.files import write_atomically
from archlens.core.geometry import numel
from archlens.core.profile import profile
from archlens.spec.load import load_spec
from archlens.detection.config import detection_config
from archlens.detection.head import DetectionHead
from archlens.detection.rcnn import RCNN
from archlens.detection.sppnet import SPPNet

PIPELINES = {"rcnn": RCNN, "sppnet": SPPNet}


def build_detector(spec, seed: int = 0, weights: str | Path | None = None):
    """R-CNN or SPPNet for ``spec``, freshly initialised (seeded) or loaded from ``weights``.

    Untrained SVMs get small random weights (N(0, 1/D)), so a fresh pipeline still ranks and
    draws boxes; trained ones come from ``fit_svms`` or a checkpoint.
    """
    spec = load_spec(spec)
    config = detection_config(spec)
    torch.manual_seed(seed)
    network = build_model(spec).eval()
    prof = profile(spec)
    dim = numel(prof.layer(config.feature_layer).out_shape)
    bbox_dim = numel(prof.layer(config.bbox_features).out_shape)
    head = DetectionHead(dim, bbox_dim, spec.num_classes, config.nms_iou)
    with torch.no_grad():
        head.svms.weight.normal_(0.0, dim ** -0.5)
    detector = PIPELINES[config.method](spec, config, network, head).eval()
    if weights is not None:
        load_weights(detector, weights)
    return detector


def save_weights(detector, path: str | Path) -> None:
    state = detector.state_dict()
    write_atomically(path, lambda f: torch.save(state, f))


def load_weights(detector, path: str | Path) -> None:
    """A detector checkpoint, or a bare network state_dict (e.g. from the training harness)."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise DataError(f"{path}: no such weights file") from None
    except Exception as exc:  # unpickling errors of every kind: not a checkpoint
        raise DataError(f"{path}: not a torch checkpoint ({type(exc).__name__})") from None
    if not isinstance(state, dict):
        raise DataError(f"{path}: expected a state_dict, got {type(state).__name__}")
    target = detector if any(k.startswith("network.") for k in state) else detector.network
    missing, unexpected = _mismatch(target, state)
    if missing or unexpected:
        raise DataError(f"{path}: does not fit this spec (missing {missing[:3]}, "
                        f"unexpected {unexpected[:3]})")
    try:
        target.load_state_dict(state, strict=target is detector.network)
    except RuntimeError as exc:
        raise DataError(f"{path}: does not fit this spec ({str(exc).splitlines()[-1].strip()})") from None


def _mismatch(target, state: dict):
    own = set(target.state_dict())
    missing = sorted(k for k in own - set(state) if not k.startswith("head."))
    return missing, sorted(set(state) - own)



"""Per-image cost of a detection pipeline as a function of the number of proposals N.

Pure arithmetic over ``archlens.core.profile`` of the per-region network (no torch). Each stage
says how often it runs per image: once (proposals, SPPNet's shared convolutions, NMS) or
once per region (R-CNN's whole CNN; SPPNet's pyramid pooling and fc layers; SVMs; box
regression). Totals multiply each stage by its runs; parameters are counted once.

Stages not counted in MACs (stated in their notes): proposal generation (selective search
is not a network), warping and resizing (bilinear resampling), box projection and NMS.
The fine-tuning head (fc8 and the dropouts after ``feature_layer``) is not run at test time:
R-CNN and SPPNet score ``feature_layer`` with linear SVMs instead (R-CNN Sec. 2.2).
"""
from __future__ import annotations

from dataclasses import dataclass

from archlens.errors import SpecError
from archlens.core.geometry import fmt_shape, numel
from archlens.core.profile import DTYPE_BYTES, LayerProfile, Totals, profile
from archlens.spec.model import Spec
from archlens.spec.load import load_spec
from archlens.detection.config import DetectionConfig, detection_config, scaled_size

BOX = 4  # (t_x, t_y, t_w, t_h) per class (R-CNN Appendix C)


@dataclass(frozen=True)
class Stage:
    name: str                         # proposals, warp, conv, fc, svm, bbox, nms, ...
    runs: int                         # times it runs per image: 1 or N
    in_shape: tuple                   # input of one run
    macs: int                         # multiply-accumulates of one run
    flops: int                        # FLOPs of one run (see archlens.core.profile's conventions)
    params: int                       # learnable parameters (counted once, whatever the runs)
    activation_bytes: int             # outputs of one run, batch 1
    note: str = ""                    # what the stage is, and what is not counted
    layers: tuple[LayerProfile, ...] = ()

    @property
    def macs_total(self) -> int:
        return self.runs * self.macs

    @property
    def activation_total(self) -> int:
        return self.runs * self.activation_bytes


@dataclass(frozen=True)
class StageProfile:
    spec: Spec
    config: DetectionConfig
    proposals: int                    # N
    image: tuple                      # (C, H, W) of the image as it enters the pipeline
    dtype: str
    stages: tuple[Stage, ...]
    totals: Totals                    # each stage times its runs; params once

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)


def profile_stages(spec, proposals: int | None = None, image_size=None,
                   dtype: str = "float32") -> StageProfile:
    """The per-image stage profile of a detection spec with ``proposals`` regions (N)."""
    spec = load_spec(spec)
    if "detection" not in spec.extra:
        raise SpecError(f"--proposals applies to detection specs only; '{spec.name}' has no "
                        f"detection: section (detection specs: rcnn_alexnet, rcnn_zf5, "
                        f"sppnet_zf5, sppnet_vgg16)", file=spec.display or None)
    config = detection_config(spec)
    n = config.proposals if proposals is None else proposals
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise SpecError(f"--proposals must be a non-negative integer, got {n!r}")
    hw = tuple(image_size) if image_size is not None else config.image_size
    image = (spec.input[0], *hw)
    build = _sppnet_stages if config.shares_convolutions else _rcnn_stages
    stages = tuple(build(spec, config, n, image, dtype))
    return StageProfile(spec, config, n, image, dtype, stages, _totals(stages))


def _span(layers, first: int, last: str) -> tuple[LayerProfile, ...]:
    names = [lp.name for lp in layers]
    return tuple(layers[first: names.index(last) + 1])


def _after(layers, name: str) -> int:
    return [lp.name for lp in layers].index(name) + 1


def _net_stage(name: str, runs: int, layers, note: str) -> Stage:
    return Stage(name, runs, layers[0].in_shapes[0], sum(lp.macs.value for lp in layers),
                 sum(lp.flops.value for lp in layers), sum(lp.params.total for lp in layers),
                 sum(lp.activation_bytes for lp in layers), note, layers)


def _free(name: str, runs: int, in_shape, out_elems: int, itemsize: int, note: str) -> Stage:
    return Stage(name, runs, in_shape, 0, 0, 0, out_elems * itemsize, note)


def _rcnn_stages(spec: Spec, config: DetectionConfig, n: int, image, dtype: str):
    layers = profile(spec, dtype=dtype).layers
    item, (c, h, w) = DTYPE_BYTES[dtype], spec.input
    conv = _span(layers, 0, config.bbox_features)
    fc = _span(layers, _after(layers, config.bbox_features), config.feature_layer)
    yield _free("proposals", 1, image, 4 * n, item, "region proposals (not counted)")
    yield _free("warp", n, image, c * h * w, item,
                f"dilate by {config.context_pad} px of context, warp to {h}x{w} (not counted)")
    yield _net_stage("conv", n, conv, f"input .. {config.bbox_features}, on every warped region")
    yield _net_stage("fc", n, fc, f"{fc[0].name} .. {config.feature_layer}, on every region")
    yield from _heads(spec, config, n, conv[-1], fc[-1], item)


def _sppnet_stages(spec: Spec, config: DetectionConfig, n: int, image, dtype: str):
    item, c = DTYPE_BYTES[dtype], spec.input[0]
    resized = (c, *scaled_size(image[1:], config.scale))
    whole = profile(spec, input=resized, dtype=dtype).layers
    region = profile(spec, dtype=dtype).layers
    trunk = _span(whole, 0, config.shared_until)
    start = _after(region, config.shared_until)
    spp = _span(region, start, region[start].name)
    fc = _span(region, start + 1, config.feature_layer)
    fmap = trunk[-1].out_shape
    yield _free("proposals", 1, image, 4 * n, item, "region proposals (not counted)")
    yield _free("resize", 1, image, numel(resized), item,
                f"shorter side to {config.scale}: {resized[1]}x{resized[2]} (not counted)")
    yield _net_stage("conv", 1, trunk, f"input .. {config.shared_until}, once on the whole image")
    yield _free("project", n, (4,), 4, item, f"corner rule onto the {fmap[1]}x{fmap[2]} map (not counted)")
    yield _net_stage("spp", n, spp, f"{'/'.join(map(str, spec.layer(spp[0].name).args.levels))} "
                                    f"pyramid on each window (shown for a {fmt_shape(spp[0].in_shapes[0][1:])} window)")
    yield _net_stage("fc", n, fc, f"{fc[0].name} .. {config.feature_layer}, on every region")
    bbox_src = next(lp for lp in region if lp.name == config.bbox_features)
    yield from _heads(spec, config, n, bbox_src, fc[-1], item)


def _heads(spec: Spec, config: DetectionConfig, n: int, bbox_src, feat, item: int):
    classes = spec.num_classes - 1  # one SVM / regressor per object class, none for background
    d, b = numel(feat.out_shape), numel(bbox_src.out_shape)
    yield Stage("svm", n, feat.out_shape, d * classes, 2 * d * classes, (d + 1) * classes,
                classes * item, f"{classes} linear SVMs on {config.feature_layer}")
    yield Stage("bbox", n, bbox_src.out_shape, b * BOX * classes, 2 * b * BOX * classes,
                (b + 1) * BOX * classes, BOX * classes * item,
                f"{classes} class-specific box regressors on {config.bbox_features}")
    yield _free("nms", 1, (n, classes), 0, item,
                f"greedy NMS per class, IoU > {config.nms_iou} suppressed (not counted)")


def _totals(stages) -> Totals:
    params = sum(s.params for s in stages)
    return Totals(params=params, trainable_params=params,
                  macs=sum(s.macs_total for s in stages),
                  flops=sum(s.runs * s.flops for s in stages),
                  activation_bytes=sum(s.activation_total for s in stages))

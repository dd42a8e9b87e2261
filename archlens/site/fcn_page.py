"""The convolutionalization walk-through on segmentation (FCN) pages.

Long, Shelhamer & Darrell (CVPR 2015), Sec. 3.1 and Fig. 2: the classifier the FCN's backbone
comes from, next to its fully convolutional form with the same weights reshaped. The table
comes from profiles (no torch); one torch check, cached by spec content, runs a thin copy of
the classifier and of its convolutionalized form on the same input with the same weights.
Rendered only where ``archlens.transforms.convolutionalize`` exists and the spec reuses a classifier.
"""
from __future__ import annotations

import importlib.util

from archlens.core import phases as phase_rules
from archlens.core.kinds import get_kind
from archlens.render import units
from archlens.site import mdtext as md
from archlens.site.cache import cached

THIN = 0.125  # the torch check runs a 1/8-width copy: the reshaping does not depend on width


def classifier_of(spec):
    """The classifier spec whose layers the FCN reuses (``backbone: {spec: ...}``), or None."""
    from archlens.spec.load import load_spec
    if spec.backbone is None:
        return None
    classifier = load_spec(spec.backbone)
    return classifier if any(get_kind(l.kind).fully_connected for l in classifier.layers) else None


def _same_outputs(classifier) -> dict:
    """Logits of a thin classifier and score map of its convolutionalized twin, compared."""
    import torch
    from archlens.nn.build import build_model
    from archlens.transforms.convolutionalize import convolutionalize
    from archlens.spec.load import scale_width
    thin = scale_width(classifier, THIN)
    torch.manual_seed(0)
    dense = build_model(thin).eval()
    conv_spec, state = convolutionalize(thin, dense.state_dict())
    conv = build_model(conv_spec).eval()
    conv.load_state_dict(state)
    x = torch.randn(1, *thin.input)
    with torch.no_grad():
        logits, scores = dense(x), conv(x)
    return {"max_abs_diff": float((logits - scores.flatten(1)).abs().max()),
            "score_shape": list(scores.shape[1:])}


def _rows(classifier, conv_spec, fcn_input) -> list[list[str]]:
    from archlens.core.profile import profile
    dense, conv = profile(classifier), profile(conv_spec)
    big = profile(conv_spec, input=fcn_input)
    rows = []
    for lp in dense.layers:
        if not get_kind(lp.kind).fully_connected:
            continue
        c = conv.layer(lp.name)
        k = units.shape(conv_spec.layer(lp.name).args.kernel_size)
        rows.append([md.text(lp.name), f"linear {units.shape(lp.in_shapes[0])} → {units.shape(lp.out_shape)}",
                     f"conv {k} → {units.shape(c.out_shape)}", units.count(lp.params.total),
                     units.count(c.params.total), units.shape(big.layer(lp.name).out_shape)])
    return rows


def _overrides(classifier, spec) -> dict[str, list[str]]:
    """Backbone layers whose arguments the FCN changed: name -> ['padding 1 -> 100', ...]."""
    import dataclasses
    changed: dict[str, list[str]] = {}
    mine = {l.name: l for l in spec.layers}
    for layer in classifier.layers:
        other = mine.get(layer.name)
        if other is None or other.kind != layer.kind or not dataclasses.is_dataclass(layer.args):
            continue
        for f in dataclasses.fields(layer.args):
            old, new = getattr(layer.args, f.name), getattr(other.args, f.name)
            if old != new:
                changed.setdefault(layer.name, []).append(f"{f.name} {_arg(old)} → {_arg(new)}")
    return changed


def _arg(value) -> str:
    if isinstance(value, tuple) and len(set(value)) == 1:
        value = value[0]
    return units.shape(value) if isinstance(value, tuple) else str(value)


def _why_shapes_differ(d, classifier, conv_spec, fcn_input) -> str:
    """FCN-8s's fc6 is 4096x12x16 in the layer table but 4096x5x9 here at the same input: the
    FCN pads conv1_1 by 100 (voc-fcn*/net.py) and rounds its pools up; the crops remove the margin."""
    from archlens.core.profile import profile
    ours = {lp.name: lp for lp in d.profile.layers}
    name = next((l.name for l in classifier.layers
                 if get_kind(l.kind).fully_connected and l.name in ours), None)
    if name is None:
        return ""
    theirs = profile(conv_spec, input=fcn_input).layer(name).out_shape
    if ours[name].out_shape == theirs:
        return ""
    grouped: dict[str, list[str]] = {}   # one line per change: "pool1, ..., pool5: ceil_mode ..."
    for layer, changed in _overrides(classifier, d.spec).items():
        grouped.setdefault(", ".join(changed), []).append(layer)
    changes = "; ".join(f"{md.text(', '.join(n))}: {c}" for c, n in grouped.items())
    first = d.profile.layers[0]
    pad = _arg(getattr(d.spec.layers[0].args, "padding", "?"))
    return (f"The last column runs the classifier's own layers on the {units.shape(fcn_input)} image, "
            f"where {md.text(name)} gives {units.shape(theirs)}; the layer table above shows "
            f"{md.text(name)} at {units.shape(ours[name].out_shape)} for the same image. The difference "
            f"is the backbone this network changes ({changes or 'none listed'}): like the reference "
            f"nets (voc-fcn*/net.py) it pads the first convolution by {pad} pixels, so "
            f"{md.text(first.name)} already outputs {units.shape(first.out_shape)}, and every later map "
            "carries that margin (the pools round up, so no border row is dropped). The padding lets "
            "images smaller than the classifier's input still give fc6 a map to score; the crop layers "
            "later cut the margin away, at the offsets the receptive-field starts give.")


def field_phases_sentence(p) -> str | None:
    """Why an upsampled network's field is a range: the true field of each output unit depends on
    its phase after a strided transposed convolution (Long et al. 2015, Sec. 3.3). None where
    every unit's field has one size."""
    layers = [lp for lp in p.layers if lp.rf is not None and len(lp.out_shape) == 3]
    if not layers:
        return None
    last, ups = layers[-1], [lp for lp in layers if lp.rf.period(0) > 1 or lp.rf.period(1) > 1]
    if not ups:
        return None
    first = ups[0]
    (lo, hi), period = last.rf.size_range(0), last.rf.period(0)
    lead = (f"After the transposed convolution `{first.name}` neighbouring output pixels read "
            f"different inputs: a unit's receptive field depends on its phase, its index mod the "
            f"upsampling period. ")
    if lo == hi:
        body = (f"At `{last.name}` every unit sees exactly {units.count(hi)} input pixels per axis "
                f"(all {period} phases alike, only shifted).")
    else:
        sizes = phase_rules.sizes(last.rf.axis_phases(0))
        count = sum(1 for v in sizes if v == hi)
        body = (f"At `{last.name}` the true field is {units.count(lo)} or {units.count(hi)} pixels "
                f"per axis depending on the phase ({count} of the {period} phases see "
                f"{units.count(hi)}); the tables print the range {units.field(last.rf)}, the "
                f"largest being the receptive field.")
    return lead + body + (" Each is the exact gradient footprint of such a unit, which "
                          "`archlens verify` measures phase by phase.")


def convolutionalization_section(d) -> str | None:
    if d.spec.task != "segmentation" or importlib.util.find_spec("archlens.transforms.convolutionalize") is None:
        return None
    classifier = classifier_of(d.spec)
    if classifier is None:
        return None
    from archlens.transforms.convolutionalize import convolutionalize
    conv_spec, _ = convolutionalize(classifier)
    fcn_input = tuple(d.spec.input)
    check = cached(d.cache_dir, classifier, "convolutionalize", lambda: _same_outputs(classifier))
    head = ["layer", f"classifier at {units.shape(classifier.input)}", "fully convolutional",
            "params (classifier)", "params (conv)", f"output at {units.shape(fcn_input)}"]
    name = md.text(classifier.name)
    return "\n".join([
        "## Convolutionalization: classifier vs fully convolutional", "",
        f"This network starts from the classifier {name}. A fully connected layer is a convolution "
        "whose kernel covers its whole input (Long et al., Sec. 3.1): the first dense layer after "
        "the flatten becomes a convolution as large as the feature map, every later one a 1x1 "
        "convolution, with the same weights reshaped (`W.view(out, C, H, W)`). At the "
        "classifier's own input size the score map is 1x1 and equals the logits; on a larger "
        "image it becomes a map of class scores.", "",
        md.table(head, _rows(classifier, conv_spec, fcn_input), "lllrrl"), "",
        *([why, ""] if (why := _why_shapes_differ(d, classifier, conv_spec, fcn_input)) else []),
        f"Checked in torch on a 1/{round(1 / THIN)}-width copy of {name} with random weights: "
        f"logits and the {units.shape(check['score_shape'])} score map differ by at most "
        f"{check['max_abs_diff']:.1e} (float32 rounding). "
        f"`archlens convolutionalize {classifier.name}` writes the convolutional spec "
        "(`--weights` reshapes a trained state_dict)."])

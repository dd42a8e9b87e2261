"""The segmentation page's 2-D walk-through: FCN-8s's decoder on a 500x375 VOC image.

Every number comes from the profile at build time (``profile('fcn8s', input=...)``): shapes,
the transposed convolutions' output sizes, their parameters, and each crop's offset, which is
where the two maps' unit-0 centres align: (start of the target - start of the skip) / jump.
"""
from __future__ import annotations

from fractions import Fraction

from archlens.core.profile import ModelProfile, profile
from archlens.render import units

INPUT = (3, 375, 500)      # a Pascal VOC image, 500 wide and 375 high
DECODER = ("score_fr", "upscore2", "score_pool4", "score_pool4c", "fuse_pool4", "upscore_pool4",
           "score_pool3", "score_pool3c", "fuse_pool3", "upscore8", "score")


def _num(v) -> str:
    f = Fraction(v)
    return str(f.numerator) if f.denominator == 1 else f"{float(f):g}"


def _deconv_how(p: ModelProfile, name: str) -> str:
    lp = p.layer(name)
    args = p.spec.layer(name).args
    (k, _), (s, _) = args.kernel_size, args.stride
    n_in, n_out = lp.in_shapes[0][1:], lp.out_shape[1:]
    sides = ", ".join(f"$({n} - 1) \\cdot {s} + {k} = {m}$" for n, m in zip(n_in, n_out))
    c_in, c_out = lp.in_shapes[0][0], lp.out_shape[0]
    return (f"transposed conv, $k = {k}$, stride {s}: {sides}; "
            f"{units.count(lp.params.total)} parameters "
            f"(${c_in} \\cdot {c_out} \\cdot {k}^2$" + (f" + {c_out}$ with biases)" if args.bias
                                                            else "$, no bias)"))


def _crop_how(p: ModelProfile, name: str) -> str:
    lp = p.layer(name)
    skip, off = p.layer(lp.inputs[0]), lp.extra["offset"]
    if lp.inputs[1] == "input":   # the final crop to the image: its pixel 0 has centre 0
        return (f"crop to the image: offset $(0 - ({_num(skip.rf.start[0])})) / "
                f"{_num(skip.rf.jump[0])} = {off[0]}$, the unit of {skip.name} centred on pixel 0")
    target = p.layer(lp.inputs[1])
    s_skip, s_tgt, j = skip.rf.start[0], target.rf.start[0], skip.rf.jump[0]
    return (f"crop {skip.name} to {target.name}'s size: offset $({_num(s_tgt)} - ({_num(s_skip)}))"
            f" / {_num(j)} = {off[0]}$ (the two unit-0 centres, in input pixels, over the jump)")


def _how(p: ModelProfile, name: str) -> str:
    kind = p.layer(name).kind
    if kind == "conv_transpose":
        return _deconv_how(p, name)
    if kind == "crop":
        return _crop_how(p, name)
    if kind == "add":
        return "sum of the two aligned maps, element by element"
    return f"1x1 convolution: {p.layer(name).out_shape[0]} class scores at every position"


def fcn_walkthrough() -> dict:
    """Rows of the walk-through table and the facts the prose quotes."""
    p = profile("fcn8s", input=INPUT)
    rows = [{"layer": n, "kind": p.layer(n).kind, "out": units.shape(p.layer(n).out_shape),
             "how": _how(p, n)} for n in DECODER]
    offsets = {n: p.layer(n).extra["offset"][0] for n in DECODER if p.layer(n).kind == "crop"}
    return {"input": units.shape(INPUT), "rows": rows, "offsets": offsets,
            "coarse": units.shape(p.layer("score_fr").out_shape),
            "up2": units.shape(p.layer("upscore2").out_shape),
            "pad": p.spec.layer("conv1_1").args.padding[0]}

"""Converters for ``call_function`` and ``call_method`` nodes (``F.relu``, ``torch.cat``,
``x.view``, ...), and the argument rules they share with the module converters of ``table.py``.

Each sets ``op.names``, the call's positional parameters as PyTorch names them (a method's
first is ``self``), then reads its arguments by name.
"""
from __future__ import annotations

import math

from torch import fx

from archlens.importers.ops import NoKind, Op, nondefault, pair
from archlens.importers.sizes import height_and_width_of

_NEAREST_OR_BILINEAR = ("nearest", "bilinear")


def _only_tensor(op: Op) -> None:
    if len(op.tensors()) != 1:
        raise NoKind(f"{len(op.tensors())} tensor inputs where the kind takes one")


def pointwise(kind: str):
    """A shape-preserving kind with no arguments (relu, sigmoid, ...); ``inplace`` is ignored."""
    def convert(op: Op) -> tuple[str, dict]:
        _only_tensor(op)
        return kind, {}
    return convert


def gelu(op: Op) -> tuple[str, dict]:
    op.names = ("input", "approximate")
    return "gelu", nondefault({"approximate": op.arg("approximate", "none")}, {"approximate": "none"})


def hardtanh(op: Op) -> tuple[str, dict]:
    op.names = ("input", "min_val", "max_val")
    values = {"min_val": float(op.arg("min_val", -1.0)), "max_val": float(op.arg("max_val", 1.0))}
    return "hardtanh", nondefault(values, {"min_val": -1.0, "max_val": 1.0})


def leaky_relu(op: Op) -> tuple[str, dict]:
    op.names = ("input", "negative_slope")
    slope = float(op.arg("negative_slope", 0.01))
    return "leaky_relu", nondefault({"negative_slope": slope}, {"negative_slope": 0.01})


def merge(kind: str):
    """``a + b``, ``torch.mul(a, b)``, ``a.add(b)``: every operand a traced tensor."""
    def convert(op: Op) -> tuple[str, dict]:
        operands = list(op.node.args) + [v for k, v in op.node.kwargs.items() if k == "other"]
        if any(k not in ("other",) for k in op.node.kwargs):
            raise NoKind(f"arguments {sorted(op.node.kwargs)} (alpha, out)")
        if len(operands) < 2 or any(n not in op.tensors() for n in operands):
            raise NoKind(f"{kind} with a constant operand")
        return kind, {}
    return convert


def cat(op: Op) -> tuple[str, dict]:
    op.names = ("tensors", "dim")
    dim, ndim = op.arg("dim", 0), len(op.in_shapes()[0]) + 1
    if dim not in (1, 1 - ndim):
        raise NoKind(f"concatenation along dim {dim} (the concat kind joins channels, dim 1)")
    return "concat", {}


def flatten_args(op: Op, start: int, end: int) -> tuple[str, dict]:
    ndim = len(op.in_shapes()[0]) + 1
    start, end = start % ndim, end % ndim
    if start == 0:
        raise NoKind("flatten from dim 0 merges the batch axis into the features")
    end = -1 if end == ndim - 1 else end
    return "flatten", nondefault({"start_dim": start, "end_dim": end}, {"start_dim": 1, "end_dim": -1})


def flatten_call(op: Op) -> tuple[str, dict]:
    op.names = ("input", "start_dim", "end_dim")
    return flatten_args(op, op.arg("start_dim", 0), op.arg("end_dim", -1))


def view(op: Op) -> tuple[str, dict]:
    """``x.view(x.size(0), -1)`` (or reshape) is a flatten; other views have no kind."""
    (shape,) = op.in_shapes()
    out = op.out_shape
    if len(out) == 1 and out[0] == math.prod(shape) and len(shape) > 1:
        return "flatten", {}
    if out == shape:
        return "identity", {}
    raise NoKind(f"a view from {shape} to {out} per sample (only (N, -1) is a flatten)")


def mean_call(op: Op) -> tuple[str, dict]:
    op.names = ("input", "dim", "keepdim")
    dim = op.arg("dim")
    if dim is None or "dtype" in op.node.kwargs:
        raise NoKind("a mean over every axis, batch included (or with a dtype)")
    dims = [int(d) for d in (dim if isinstance(dim, (list, tuple)) else [dim])]
    if 0 in dims or -(len(op.in_shapes()[0]) + 1) in dims:
        raise NoKind("a mean over the batch axis")
    return "mean", {"dim": dims, **nondefault({"keepdim": bool(op.arg("keepdim", False))},
                                               {"keepdim": False})}


def maxpool_args(kernel, stride, padding, dilation, ceil_mode) -> tuple[str, dict]:
    args = {"kernel_size": pair(kernel), "stride": pair(stride) if stride else None,
            "padding": pair(padding), "dilation": pair(dilation), "ceil_mode": bool(ceil_mode)}
    if args["stride"] in (None, args["kernel_size"]):
        del args["stride"]
    return "maxpool", nondefault(args, {"padding": 0, "dilation": 1, "ceil_mode": False})


def max_pool_call(op: Op) -> tuple[str, dict]:
    op.names = ("input", "kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")
    if op.arg("return_indices", False):
        raise NoKind("max pooling that returns indices (two outputs)")
    return maxpool_args(op.arg("kernel_size"), op.arg("stride"), op.arg("padding", 0),
                        op.arg("dilation", 1), op.arg("ceil_mode", False))


def avgpool_args(kernel, stride, padding, ceil_mode, count_include_pad, divisor) -> tuple[str, dict]:
    if divisor is not None:
        raise NoKind("average pooling with divisor_override")
    args = {"kernel_size": pair(kernel), "stride": pair(stride) if stride else None,
            "padding": pair(padding), "ceil_mode": bool(ceil_mode),
            "count_include_pad": bool(count_include_pad)}
    if args["stride"] in (None, args["kernel_size"]):
        del args["stride"]
    return "avgpool", nondefault(args, {"padding": 0, "ceil_mode": False, "count_include_pad": True})


def avg_pool_call(op: Op) -> tuple[str, dict]:
    op.names = ("input", "kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                "divisor_override")
    return avgpool_args(op.arg("kernel_size"), op.arg("stride"), op.arg("padding", 0),
                        op.arg("ceil_mode", False), op.arg("count_include_pad", True),
                        op.arg("divisor_override"))


def adaptive_args(kind: str, output_size) -> tuple[str, dict]:
    sizes = output_size if isinstance(output_size, (list, tuple)) else [output_size]
    if any(s is None for s in sizes):
        raise NoKind("an adaptive pool that keeps an input size (None)")
    return kind, {"output_size": pair(output_size)}


def adaptive_call(kind: str):
    def convert(op: Op) -> tuple[str, dict]:
        op.names = ("input", "output_size")
        return adaptive_args(kind, op.arg("output_size"))
    return convert


def softmax_args(dim) -> tuple[str, dict]:
    if dim is None:
        raise NoKind("softmax with an implicit dim")
    return "softmax", nondefault({"dim": int(dim)}, {"dim": 1})


def softmax_call(op: Op) -> tuple[str, dict]:
    op.names = ("input", "dim")
    return softmax_args(op.arg("dim"))


def dropout_call(op: Op) -> tuple[str, dict]:
    op.names = ("input", "p", "training", "inplace")
    return "dropout", nondefault({"p": float(op.arg("p", 0.5))}, {"p": 0.5})


def upsample_args(op: Op, size, scale_factor, mode, align_corners) -> tuple[str, dict]:
    """nn.Upsample / F.interpolate. A size that is another tensor's height and width
    (``size=y.shape[-2:]``) makes that tensor the layer's reference input, exact at any input
    size; another size computed from tensors is written as the integer scale the trace shows
    where there is one (torch computes the same source positions from either), else as the
    traced size (exact at the imported input only)."""
    if mode not in _NEAREST_OR_BILINEAR:
        raise NoKind(f"interpolation mode '{mode}' (the upsample kind has nearest and bilinear)")
    args: dict = {}
    if size is not None:
        args.update(_size_or_scale(op, size))
    elif scale_factor is not None:
        args["scale_factor"] = pair(scale_factor)
    if mode != "nearest":
        args["mode"] = mode
    if align_corners is not None:
        args["align_corners"] = bool(align_corners)
    return "upsample", args


def _size_or_scale(op: Op, size) -> dict:
    if not _is_dynamic(size):
        return {"size": pair(size)}
    reference = height_and_width_of(size)
    if reference is not None:
        op.references = (reference,)
        return {}
    traced = list(op.out_shape[1:])
    (shape,) = op.in_shapes()
    scales = {o / i for o, i in zip(traced, shape[1:])}
    if len(scales) == 1 and float(next(iter(scales))).is_integer():
        return {"scale_factor": int(next(iter(scales)))}
    return {"size": pair(traced)}


def _is_dynamic(value) -> bool:
    found = []
    fx.node.map_arg(value, found.append)
    return bool(found)


def interpolate(op: Op) -> tuple[str, dict]:
    op.names = ("input", "size", "scale_factor", "mode", "align_corners",
                "recompute_scale_factor", "antialias")
    if op.arg("recompute_scale_factor") or op.arg("antialias"):
        raise NoKind("interpolate with recompute_scale_factor or antialias")
    return upsample_args(op, op.arg("size"), op.arg("scale_factor"), op.arg("mode", "nearest"),
                         op.arg("align_corners"))


def pad_args(pad: list, value, mode: str) -> tuple[str, dict]:
    if mode != "constant":
        raise NoKind(f"padding mode '{mode}' (the pad kind pads with a constant)")
    pad = [int(p) for p in pad]
    if len(pad) == 2:
        pad = pad + [0, 0]
    if len(pad) != 4:
        raise NoKind(f"padding of {len(pad) // 2} axes (the pad kind pads width and height)")
    return "pad", {"pad": pad, **nondefault({"value": float(value or 0.0)}, {"value": 0.0})}


def pad_call(op: Op) -> tuple[str, dict]:
    op.names = ("input", "pad", "mode", "value")
    return pad_args(list(op.arg("pad")), op.arg("value", 0.0), op.arg("mode", "constant"))

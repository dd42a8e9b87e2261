"""The mapping table: torch target -> a small converter giving (kind, arguments).

Data, not dispatch code: ``MODULES`` is keyed by module class (``call_module``), ``FUNCTIONS``
by the function object (``call_function``: ``F.relu``, ``torch.cat``, ``operator.add``),
``METHODS`` by method name (``call_method``: ``x.view``, ``x.mean``). Each converter reads the
module's attributes or the call's arguments by PyTorch's names and writes only values that
differ from PyTorch's defaults (derived sizes such as ``in_channels`` are never written).
A converter raises ``NoKind`` where no kind reproduces the op exactly. Kinds follow
/work/wt/KINDS_CONTRACT.md; ``ALIASES`` are calls that return their input unchanged.
"""
from __future__ import annotations

import operator

import torch
import torch.nn.functional as F
from torch import nn

from archlens.importers import table_calls as calls
from archlens.importers.ops import NoKind, Op, nondefault, pair


def _conv(op: Op) -> tuple[str, dict]:
    m = op.module
    if m.padding_mode != "zeros":
        raise NoKind(f"padding_mode '{m.padding_mode}' (archlens convolutions pad with zeros)")
    padding = m.padding if isinstance(m.padding, str) else pair(m.padding)
    args = {"out_channels": m.out_channels, "kernel_size": pair(m.kernel_size),
            "stride": pair(m.stride), "padding": padding, "dilation": pair(m.dilation),
            "groups": m.groups, "bias": m.bias is not None}
    return "conv", nondefault(args, {"stride": 1, "padding": 0, "dilation": 1, "groups": 1, "bias": True})


def _conv_transpose(op: Op) -> tuple[str, dict]:
    m = op.module
    if m.padding_mode != "zeros":
        raise NoKind(f"padding_mode '{m.padding_mode}'")
    args = {"out_channels": m.out_channels, "kernel_size": pair(m.kernel_size),
            "stride": pair(m.stride), "padding": pair(m.padding),
            "output_padding": pair(m.output_padding), "dilation": pair(m.dilation),
            "groups": m.groups, "bias": m.bias is not None}
    return "conv_transpose", nondefault(args, {"stride": 1, "padding": 0, "output_padding": 0,
                                               "dilation": 1, "groups": 1, "bias": True})


def _linear(op: Op) -> tuple[str, dict]:
    return "linear", nondefault({"out_features": op.module.out_features,
                                 "bias": op.module.bias is not None}, {"bias": True})


def _batchnorm(op: Op) -> tuple[str, dict]:
    m = op.module
    if not m.track_running_stats or m.momentum is None:
        raise NoKind("batch norm without running statistics or with a cumulative average")
    return "batchnorm", nondefault({"eps": m.eps, "momentum": m.momentum, "affine": m.affine},
                                   {"eps": 1e-5, "momentum": 0.1, "affine": True})


def _maxpool(op: Op) -> tuple[str, dict]:
    m = op.module
    if m.return_indices:
        raise NoKind("max pooling that returns indices (two outputs)")
    return calls.maxpool_args(m.kernel_size, m.stride, m.padding, m.dilation, m.ceil_mode)


def _avgpool(op: Op) -> tuple[str, dict]:
    m = op.module
    return calls.avgpool_args(m.kernel_size, m.stride, m.padding, m.ceil_mode,
                              m.count_include_pad, m.divisor_override)


def _adaptive(kind: str):
    def convert(op: Op) -> tuple[str, dict]:
        return calls.adaptive_args(kind, op.module.output_size)
    return convert


def _module_attrs(kind: str, **defaults):
    """A kind whose arguments are the module's attributes of the same names."""
    def convert(op: Op) -> tuple[str, dict]:
        return kind, nondefault({k: getattr(op.module, k) for k in defaults}, defaults)
    return convert


def _softmax(op: Op) -> tuple[str, dict]:
    return calls.softmax_args(op.module.dim)


def _flatten(op: Op) -> tuple[str, dict]:
    return calls.flatten_args(op, op.module.start_dim, op.module.end_dim)


def _groupnorm(op: Op) -> tuple[str, dict]:
    m = op.module
    return "groupnorm", nondefault({"num_groups": m.num_groups, "eps": m.eps, "affine": m.affine},
                                   {"eps": 1e-5, "affine": True})


def _upsample(op: Op) -> tuple[str, dict]:
    m = op.module
    return calls.upsample_args(op, m.size, m.scale_factor, m.mode, m.align_corners)


def _pad(op: Op) -> tuple[str, dict]:
    return calls.pad_args(list(op.module.padding), getattr(op.module, "value", 0.0), "constant")


def _lrn(op: Op) -> tuple[str, dict]:
    m = op.module
    return "lrn", nondefault({"size": m.size, "alpha": m.alpha, "beta": m.beta, "k": m.k},
                             {"alpha": 1e-4, "beta": 0.75, "k": 1.0})


def _dropout(op: Op) -> tuple[str, dict]:
    return "dropout", nondefault({"p": op.module.p}, {"p": 0.5})


MODULES = {
    nn.Conv2d: _conv, nn.ConvTranspose2d: _conv_transpose, nn.Linear: _linear,
    nn.BatchNorm2d: _batchnorm, nn.BatchNorm1d: _batchnorm,
    nn.MaxPool2d: _maxpool, nn.AvgPool2d: _avgpool,
    nn.AdaptiveAvgPool2d: _adaptive("adaptive_avgpool"),
    nn.AdaptiveMaxPool2d: _adaptive("adaptive_maxpool"),
    # inplace is kept: the memory figures (live tensors, saved for backward) depend on it
    nn.ReLU: _module_attrs("relu", inplace=False), nn.ReLU6: _module_attrs("relu6", inplace=False),
    nn.Sigmoid: _module_attrs("sigmoid"), nn.Tanh: _module_attrs("tanh"),
    nn.GELU: _module_attrs("gelu", approximate="none"), nn.SiLU: _module_attrs("silu", inplace=False),
    nn.Hardswish: _module_attrs("hardswish", inplace=False),
    nn.Hardsigmoid: _module_attrs("hardsigmoid", inplace=False),
    nn.Hardtanh: _module_attrs("hardtanh", min_val=-1.0, max_val=1.0, inplace=False),
    nn.LeakyReLU: _module_attrs("leaky_relu", negative_slope=0.01, inplace=False),
    nn.Identity: _module_attrs("identity"), nn.Dropout: _dropout, nn.Softmax: _softmax,
    nn.Flatten: _flatten, nn.LocalResponseNorm: _lrn, nn.GroupNorm: _groupnorm,
    nn.Upsample: _upsample, nn.UpsamplingNearest2d: _upsample,
    nn.UpsamplingBilinear2d: _upsample, nn.ZeroPad2d: _pad, nn.ConstantPad2d: _pad,
}
# nn.ReLU6 is a subclass of nn.Hardtanh: the table is looked up by exact class, never isinstance.

FUNCTIONS = {
    F.relu: calls.pointwise("relu"), torch.relu: calls.pointwise("relu"),
    torch.relu_: calls.pointwise("relu"), F.relu6: calls.pointwise("relu6"),
    torch.sigmoid: calls.pointwise("sigmoid"), F.sigmoid: calls.pointwise("sigmoid"),
    torch.tanh: calls.pointwise("tanh"), F.tanh: calls.pointwise("tanh"),
    F.gelu: calls.gelu, F.silu: calls.pointwise("silu"),
    F.hardswish: calls.pointwise("hardswish"), F.hardsigmoid: calls.pointwise("hardsigmoid"),
    F.hardtanh: calls.hardtanh, F.leaky_relu: calls.leaky_relu,
    operator.add: calls.merge("add"), operator.iadd: calls.merge("add"),
    torch.add: calls.merge("add"), operator.mul: calls.merge("mul"),
    operator.imul: calls.merge("mul"), torch.mul: calls.merge("mul"),
    torch.cat: calls.cat, torch.concat: calls.cat, torch.flatten: calls.flatten_call,
    F.adaptive_avg_pool2d: calls.adaptive_call("adaptive_avgpool"),
    F.adaptive_max_pool2d: calls.adaptive_call("adaptive_maxpool"),
    F.max_pool2d: calls.max_pool_call, F.avg_pool2d: calls.avg_pool_call,
    torch.mean: calls.mean_call, F.interpolate: calls.interpolate, F.pad: calls.pad_call,
    F.dropout: calls.dropout_call, F.softmax: calls.softmax_call, torch.softmax: calls.softmax_call,
}

METHODS = {
    "view": calls.view, "reshape": calls.view, "flatten": calls.flatten_call,
    "mean": calls.mean_call, "relu": calls.pointwise("relu"), "relu_": calls.pointwise("relu"),
    "sigmoid": calls.pointwise("sigmoid"), "tanh": calls.pointwise("tanh"),
    "add": calls.merge("add"), "add_": calls.merge("add"), "mul": calls.merge("mul"),
    "mul_": calls.merge("mul"), "softmax": calls.softmax_call,
}

# calls whose result is their (only) tensor input, unchanged: no layer of their own
ALIASES = {("call_method", "contiguous"), ("call_function", torch.Tensor.contiguous)}


def converted(op: Op) -> tuple[str, dict]:
    """(kind, arguments) of the op by the table above; ``NoKind`` where it has no entry."""
    node = op.node
    if node.op == "call_module":
        convert = MODULES.get(type(op.module))
    elif node.op == "call_function":
        convert = FUNCTIONS.get(node.target)
    else:
        convert = METHODS.get(node.target)
    if convert is None:
        raise NoKind("no archlens kind for it")
    return convert(op)

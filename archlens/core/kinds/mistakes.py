"""Hand-calculation mistakes as kind traits: each rule computes the wrong answer a slip gives.

A kind's catalogue is ``Kind.mistakes()``: the rules every kind shares (``COMMON``), those its
traits bring (``WEIGHTED`` for ``Kind.weighted``, ``WINDOWED`` for ``Kind.windowed``) and its
own (``Kind.own_mistakes``, see ``own_mistakes.py``). No list of kind names is kept here: a new
kind gets the shared and trait rules by default. A rule returns the wrong value (a shape tuple,
an integer, or a receptive-field size per axis), or None where the slip would not apply; the
checker (archlens.teach) turns values into answer text and drops those equal to the right one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from archlens.core.geometry import RF, conv_length, numel
from archlens.errors import LayerProblem

FIELDS = ("out_shape", "params", "macs", "rf")


@dataclass(frozen=True)
class RuleInput:
    """What a rule may look at: the layer's profile, its arguments, its kind, its inputs' fields."""
    lp: Any                 # LayerProfile (core.profile)
    args: Any
    naive_rf: tuple | None  # receptive-field size per axis with every jump taken as 1
    kind: Any = None        # the layer's Kind
    in_rfs: tuple = ()      # receptive fields of the inputs (RF or None), as the profile has them


@dataclass(frozen=True)
class Rule:
    name: str
    field: str                          # out_shape | params | macs | rf
    wrong: Callable[[RuleInput], Any]   # the answer this mistake gives, or None
    sentence: str                       # the diagnosis, one sentence


def c_in(f: RuleInput) -> int:
    return f.lp.in_shapes[0][0]


def with_bias(f: RuleInput, weight: int) -> int:
    return weight + f.lp.params.bias.value


def only_if(condition: Callable[[RuleInput], bool], wrong: Callable[[RuleInput], Any]):
    return lambda f: wrong(f) if condition(f) else None


def spatial(f: RuleInput) -> bool:
    return len(f.lp.out_shape) == 3


# --- every kind ------------------------------------------------------------------------------

def _channels_last(f: RuleInput):
    c, h, w = f.lp.out_shape
    return (h, w, c)


def _ops_as_macs(f: RuleInput):
    """One MAC per output element, for a layer that has none (ReLU, dropout, a sum, ...)."""
    return numel(f.lp.out_shape) if f.lp.macs.value == 0 else None


def _jump_left_out_here(f: RuleInput):
    """This layer's own rf rule, given the input fields with their jump taken as 1."""
    if not f.in_rfs or None in f.in_rfs:
        return None
    ones = [RF(rf.size, (1, 1), rf.start) for rf in f.in_rfs]
    try:   # rf_with_shapes, as the profile calls it: an upsample's field needs the shapes
        rf = f.kind.rf_with_shapes(f.args, list(f.lp.in_shapes), ones)
    except (LayerProblem, ValueError, ArithmeticError):
        return None
    return rf.size if rf is not None else None


COMMON: tuple[Rule, ...] = (
    Rule("forgot_bias", "params", lambda f: f.lp.params.weight.value,
         "You forgot the bias: add one bias per output channel (C_out, or m for a linear layer)."),
    Rule("channels_last", "out_shape", only_if(spatial, _channels_last),
         "You wrote the shape channels-last (H×W×C, as TensorFlow does): PyTorch and archlens "
         "write C×H×W, channels first."),
    Rule("ops_counted_as_macs", "macs", _ops_as_macs,
         "You counted one MAC per output element, but this layer has no weights: MACs count "
         "only the multiply-accumulates of a weight with an input, so it has 0 (its elementwise "
         "work is counted in FLOPs)."),
    Rule("rf_without_jump", "rf", lambda f: f.naive_rf,
         "Your receptive field summed the kernel sizes without multiplying by the jump: "
         "r' = r + (k−1)·j, where j is the product of earlier strides."),
    Rule("rf_jump_left_out_here", "rf", _jump_left_out_here,
         "You left out the jump at this layer: its input units are j pixels apart (j = the "
         "product of the strides before it), so each extra kernel tap adds j, r' = r + (k−1)·j."),
)


# --- weighted kinds (a dense learned weight and one bias per output) -------------------------

def _forgot_cin(f: RuleInput):
    """The weight without its C_in (per group) factor: k_h·k_w·C_out, or m for a linear layer."""
    per_group = c_in(f) // getattr(f.args, "groups", 1)
    return with_bias(f, f.lp.params.weight.value // per_group)


def _cout_for_cin(f: RuleInput):
    """C_out put where C_in belongs: the weight scaled by C_out / C_in."""
    weight, c_out = f.lp.params.weight.value, f.lp.out_shape[0]
    return with_bias(f, weight // c_in(f) * c_out) if weight % c_in(f) == 0 else None


def _bias_added(f: RuleInput):
    return f.lp.params.weight.value + f.lp.out_shape[0] if f.lp.params.bias.value == 0 else None


def _macs_with_bias_adds(f: RuleInput):
    return f.lp.macs.value + numel(f.lp.out_shape) if f.lp.params.bias.value else None


WEIGHTED: tuple[Rule, ...] = (
    Rule("bias_per_input_channel", "params",
         only_if(lambda f: f.lp.params.bias.value > 0, lambda f: f.lp.params.weight.value + c_in(f)),
         "You counted the bias per input channel: there is one bias per output channel (C_out), "
         "not per C_in."),
    Rule("forgot_cin", "params", _forgot_cin,
         "You forgot C_in: every filter spans all input channels, so multiply by C_in (n for a "
         "linear layer)."),
    Rule("cout_for_cin", "params", _cout_for_cin,
         "You used C_out where C_in belongs: the weight is k_h·k_w·C_in·C_out with C_in the "
         "channels of this layer's input (the previous layer's output), not its own C_out."),
    Rule("bias_added", "params", _bias_added,
         "You added a bias, but this layer has none (bias: false): its parameters are its "
         "weights only."),
    Rule("flops_for_macs", "macs", lambda f: 2 * f.lp.macs.value,
         "You gave FLOPs where MACs were asked: one multiply-accumulate is two FLOPs, so halve it."),
    Rule("macs_with_bias_adds", "macs", _macs_with_bias_adds,
         "You added the bias additions to the MACs (torchinfo's \"mult-adds\" does): a MAC is one "
         "weight times one input, accumulated; the one bias add per output element is counted "
         "in FLOPs, not MACs."),
)


# --- windowed kinds (output size by the conv/pool window rule) -------------------------------

def window(a):
    """(k, s, p, d) of a conv/pool window per axis, the stride defaulting to the kernel."""
    return (a.kernel_size, getattr(a, "stride", None) or a.kernel_size, getattr(a, "pad_before", a.padding),
            getattr(a, "dilation", (1, 1)))


def _window_shape(f: RuleInput, length: Callable[[int, int, int, int, int], int | None]):
    """The output shape with ``length(n, k, s, p, d)`` per axis; None if an axis gives None."""
    hw = [length(n, *a) for n, a in zip(f.lp.in_shapes[0][1:], zip(*window(f.args)))]
    return None if None in hw or min(hw) < 1 else (f.lp.out_shape[0], *hw)


def _span(n: int, k: int, s: int, p: int, d: int) -> int:
    return n + 2 * p - d * (k - 1) - 1


def _floor_length(n, k, s, p, d):
    return _span(n, k, s, p, d) // s + 1


def _ceil_length(n, k, s, p, d):
    """⌈(n + 2p − d(k−1) − 1)/s⌉ + 1, as a student rounds up (no last-window clause)."""
    return -(-_span(n, k, s, p, d) // s) + 1


def _inexact(f: RuleInput) -> bool:
    """True where the window steps do not divide evenly on some axis: only there does the
    rounding direction change the answer (never at stride 1)."""
    return any(_span(n, *a) % a[1] for n, a in zip(f.lp.in_shapes[0][1:], zip(*window(f.args))))


def _padding_left_out(f: RuleInput):
    if not any(window(f.args)[2]):
        return None
    return _window_shape(f, lambda n, k, s, p, d: conv_length(n, k, s, 0, d, _ceil_mode(f)))


def _off_by(delta: int):
    def wrong(f: RuleInput):
        shape = f.lp.out_shape
        return (shape[0], *(v + delta for v in shape[1:])) if len(shape) == 3 else None
    return wrong


def _ceil_mode(f: RuleInput) -> bool:
    return getattr(f.args, "ceil_mode", False)


def _window_reads_as_macs(f: RuleInput):
    """One MAC per window element and output, for a window without weights (pooling)."""
    if f.lp.macs.value:
        return None
    kh, kw = f.args.kernel_size
    return kh * kw * numel(f.lp.out_shape)


WINDOWED: tuple[Rule, ...] = (
    Rule("padding_left_out", "out_shape", _padding_left_out,
         "You left the padding out of the output size: add 2p to the input size before "
         "subtracting the kernel."),
    Rule("floor_not_ceil", "out_shape",
         only_if(lambda f: _ceil_mode(f) and _inexact(f), lambda f: _window_shape(f, _floor_length)),
         "You rounded down where this layer rounds up (ceil mode): use ⌈(n + 2p − k)/s⌉ + 1."),
    Rule("ceil_not_floor", "out_shape",
         only_if(lambda f: not _ceil_mode(f) and _inexact(f), lambda f: _window_shape(f, _ceil_length)),
         "You rounded up where this layer rounds down (floor, PyTorch's default): use "
         "⌊(n + 2p − k)/s⌋ + 1."),
    Rule("output_missing_plus_one", "out_shape", _off_by(-1),
         "Your output size is one too small: the formula ends in + 1, counting the first window "
         "position."),
    Rule("output_extra_one", "out_shape", _off_by(+1),
         "Your output size is one too large: (n + 2p − k)/s counts the steps, and + 1 adds the "
         "first position once."),
    Rule("window_reads_as_macs", "macs", _window_reads_as_macs,
         "You counted one MAC per window element: pooling has no weights, so its MACs are 0 (its "
         "comparisons or adds are counted in FLOPs)."),
)


def catalogue(kind) -> tuple[Rule, ...]:
    """A kind's mistakes: the shared rules, those of its traits, then its own."""
    return (COMMON + (WEIGHTED if kind.weighted else ()) + (WINDOWED if kind.windowed else ())
            + tuple(kind.own_mistakes))

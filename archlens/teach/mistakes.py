"""The table of known hand-calculation mistakes: each computes the wrong answer it would give.

A rule names the mistake, the answer field and kinds it applies to (a trait the kind
declares, ``Kind.weighted`` / ``Kind.windowed``, or named kinds), a function from the
layer's ``RuleInput`` to the wrong value (None where the mistake would not change the
answer), and the one-sentence diagnosis. The checker reports the first rule whose wrong value
equals a wrong answer. Adding a mistake is one entry in ``RULES``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from archlens.core.geometry import RF, conv_length, fmt_shape
from archlens.core.kinds import Kind, get_kind
from archlens.core.profile import LayerProfile, ModelProfile
from archlens.spec.model import INPUT
from archlens.teach.worksheet import rf_text


def _weighted(kind: Kind) -> bool:
    return kind.weighted


def _windowed(kind: Kind) -> bool:
    return kind.windowed


def named(*names: str) -> Callable[[Kind], bool]:
    """Applies to the kinds of these names only (mistakes about one kind's own formula)."""
    return lambda kind: kind.name in names


@dataclass(frozen=True)
class RuleInput:
    """What a rule may look at: the layer's profile, its arguments, a jump-free field."""
    lp: LayerProfile
    args: Any
    naive_rf: tuple | None  # receptive-field size per axis with every jump taken as 1


@dataclass(frozen=True)
class Rule:
    name: str
    field: str                                  # out_shape | params | macs | rf
    kinds: Callable[[Kind], bool] | None        # which kinds it applies to; None: every kind
    wrong: Callable[[RuleInput], Any]               # the answer this mistake gives, or None
    sentence: str                               # the diagnosis, one sentence

    def applies(self, kind: str) -> bool:
        return self.kinds is None or self.kinds(get_kind(kind))

    def answer(self, rule_input: RuleInput) -> str | None:
        """The wrong answer as canonical text, or None if the mistake changes nothing here."""
        value = self.wrong(rule_input) if self.applies(rule_input.lp.kind) else None
        if value is None:
            return None
        text = {"out_shape": fmt_shape, "rf": rf_text}.get(self.field, str)(value)
        right = _right(rule_input.lp, self.field)
        return None if text == right else text


def _right(lp: LayerProfile, field: str) -> str:
    from archlens.teach.worksheet import expected
    return expected(lp)[field]


def _c_in(f: RuleInput) -> int:
    return f.lp.in_shapes[0][0]


def _with_bias(f: RuleInput, weight: int) -> int:
    return weight + f.lp.params.bias.value


def _conv_weight(f: RuleInput, taps: int, c_in: int) -> int:
    return taps * c_in * f.args.out_channels


def _k_times_cin_cout(f: RuleInput):
    kh, kw = f.args.kernel_size
    return _with_bias(f, _conv_weight(f, kh, _c_in(f) // f.args.groups)) if kh == kw else None


def _forgot_cin(f: RuleInput):
    """The weight without its C_in (per group) factor: k_h·k_w·C_out, or m for a linear layer."""
    return _with_bias(f, f.lp.params.weight.value // (_c_in(f) // getattr(f.args, "groups", 1)))


def _window(a):
    """(k, s, p, d, ceil) of a conv/pool window, stride defaulting to the kernel."""
    return (a.kernel_size, getattr(a, "stride", None) or a.kernel_size, getattr(a, "pad_before", a.padding),
            getattr(a, "dilation", (1, 1)), getattr(a, "ceil_mode", False))


def _window_shape(f: RuleInput, padding=None, ceil=None):
    """Output shape by the same ``conv_length`` the profile uses, with one setting changed."""
    k, s, p, d, c = _window(f.args)
    p = p if padding is None else padding
    c = c if ceil is None else ceil
    hw = [conv_length(n, *a, ceil=c) for n, a in zip(f.lp.in_shapes[0][1:], zip(k, s, p, d))]
    return (f.lp.out_shape[0], *hw)


def _off_by(delta: int):
    def wrong(f: RuleInput):
        shape = f.lp.out_shape
        return (shape[0], *(v + delta for v in shape[1:])) if len(shape) == 3 else None
    return wrong


def _only_if(condition: Callable[[RuleInput], bool], wrong: Callable[[RuleInput], Any]):
    return lambda f: wrong(f) if condition(f) else None


def _ceil_mode(f: RuleInput) -> bool:
    return getattr(f.args, "ceil_mode", False)


RULES: tuple[Rule, ...] = (
    Rule("forgot_bias", "params", None, lambda f: f.lp.params.weight.value,
         "You forgot the bias: add one bias per output channel (C_out, or m for a linear layer)."),
    Rule("bias_per_input_channel", "params", _weighted,
         lambda f: f.lp.params.weight.value + _c_in(f),
         "You counted the bias per input channel: there is one bias per output channel (C_out), not per C_in."),
    Rule("k_not_squared", "params", named("conv"), _k_times_cin_cout,
         "You used k·C_in·C_out instead of k²·C_in·C_out: a k×k kernel has k·k weights per input channel."),
    Rule("forgot_cin", "params", _weighted, _forgot_cin,
         "You forgot C_in: every filter spans all input channels, so multiply by C_in (n for a linear layer)."),
    Rule("flops_for_macs", "macs", _weighted, lambda f: 2 * f.lp.macs.value,
         "You gave FLOPs where MACs were asked: one multiply-accumulate is two FLOPs, so halve it."),
    Rule("macs_per_position_missing", "macs", named("conv"), lambda f: f.lp.params.weight.value,
         "You gave the weight count: each weight is used once per output position, so multiply by H_out·W_out."),
    Rule("padding_left_out", "out_shape", _windowed,
         _only_if(lambda f: any(_window(f.args)[2]), lambda f: _window_shape(f, padding=(0, 0))),
         "You left the padding out of the output size: add 2p to the input size before subtracting the kernel."),
    Rule("floor_not_ceil", "out_shape", _windowed,
         _only_if(_ceil_mode, lambda f: _window_shape(f, ceil=False)),
         "You rounded down where this layer rounds up (ceil mode): use ⌈(n + 2p − k)/s⌉ + 1."),
    Rule("ceil_not_floor", "out_shape", _windowed,
         _only_if(lambda f: not _ceil_mode(f), lambda f: _window_shape(f, ceil=True)),
         "You rounded up where this layer rounds down (floor, PyTorch's default): use ⌊(n + 2p − k)/s⌋ + 1."),
    Rule("output_missing_plus_one", "out_shape", _windowed, _off_by(-1),
         "Your output size is one too small: the formula ends in + 1, counting the first window position."),
    Rule("output_extra_one", "out_shape", _windowed, _off_by(+1),
         "Your output size is one too large: (n + 2p − k)/s counts the steps, and + 1 adds the first position once."),
    Rule("rf_without_jump", "rf", None, lambda f: f.naive_rf,
         "Your receptive field summed the kernel sizes without multiplying by the jump: r' = r + (k−1)·j, where j is the product of earlier strides."),
)


def naive_rf_sizes(p: ModelProfile) -> dict[str, tuple | None]:
    """Every layer's field by its own ``rf`` rule, but with each input's jump reset to 1."""
    one = (1, 1)
    sizes: dict[str, tuple | None] = {INPUT: one if len(p.input) == 3 else None}
    for lp in p.layers:
        ins = [sizes[s] for s in lp.inputs]
        fake = [None if s is None else RF(s, one, (0, 0)) for s in ins]
        rf = get_kind(lp.kind).rf(p.spec.layer(lp.name).args, fake) if None not in ins else None
        sizes[lp.name] = rf.size if rf is not None else None
    return sizes


def rule_inputs(p: ModelProfile) -> dict[str, RuleInput]:
    naive = naive_rf_sizes(p)
    return {lp.name: RuleInput(lp, p.spec.layer(lp.name).args, naive[lp.name]) for lp in p.layers}


def wrong_answers(rule_input: RuleInput, field: str) -> list[tuple[str, Rule]]:
    """(wrong answer text, rule) for every rule that applies, in table order."""
    out = []
    for rule in RULES:
        if rule.field == field:
            text = rule.answer(rule_input)
            if text is not None:
                out.append((text, rule))
    return out

"""The mistake catalogue as answers: per layer and field, the wrong answer each known slip gives.

The rules are kind traits (``Kind.mistakes()``, archlens/core/kinds/mistakes.py and
own_mistakes.py): this module only hands each rule its layer (``RuleInput``) and writes the
wrong value as canonical answer text, dropping slips that would give the right answer. Where
two slips give the same number (VGG-16 conv1_1: k not squared and C_in forgotten are both
3·3·64 + 64 = 640, because C_in = k = 3), both are kept and the checker names both.
"""
from __future__ import annotations

from archlens.core.geometry import RF, fmt_shape
from archlens.core.kinds import KINDS, get_kind
from archlens.core.kinds.mistakes import COMMON, Rule, RuleInput, catalogue
from archlens.core.profile import ModelProfile
from archlens.spec.model import INPUT
from archlens.teach.answers import Problem, canonical
from archlens.teach.worksheet import expected, input_rfs, rf_text

__all__ = ["RULES", "Rule", "RuleInput", "all_rules", "naive_rf_sizes", "rule_inputs",
           "wrong_answers"]


def all_rules() -> tuple[Rule, ...]:
    """Every rule of every registered kind, each once, in catalogue order."""
    seen: dict[str, Rule] = {rule.name: rule for rule in COMMON}
    for kind in KINDS.values():
        for rule in catalogue(kind):
            seen.setdefault(rule.name, rule)
    return tuple(seen.values())


RULES = all_rules()


def answer_text(rule: Rule, rule_input: RuleInput) -> str | None:
    """The wrong answer as canonical text, or None if the mistake changes nothing here."""
    value = rule.wrong(rule_input)
    if value is None:
        return None
    text = {"out_shape": fmt_shape, "rf": rf_text}.get(rule.field, str)(value)
    if text == expected(rule_input.lp)[rule.field] or not typeable(rule.field, text, rule_input):
        return None
    return text


def typeable(field: str, text: str, rule_input: RuleInput) -> bool:
    """Whether a student could type this answer (a field of 79/2 pixels cannot be written)."""
    try:
        return canonical(field, text, len(rule_input.lp.out_shape)) == text
    except Problem:
        return False


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
    return {lp.name: RuleInput(lp, p.spec.layer(lp.name).args, naive[lp.name],
                               get_kind(lp.kind), tuple(input_rfs(p, lp)))
            for lp in p.layers}


def wrong_answers(rule_input: RuleInput, field: str) -> list[tuple[str, Rule]]:
    """(wrong answer text, rule) for every rule of the layer's kind, in catalogue order."""
    out = []
    for rule in rule_input.kind.mistakes():
        if rule.field == field:
            text = answer_text(rule, rule_input)
            if text is not None:
                out.append((text, rule))
    return out

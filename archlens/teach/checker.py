"""The answer checker: per layer and field, right or wrong, and which known mistake it was.

Python (``check``) and the worksheet page's JavaScript read the same key table
(``answer_key``): for every layer and field the accepted answers and, in catalogue order
(``Kind.mistakes()``), the wrong answer each known mistake gives. So both name the same
diagnosis for the same answer, and both slips where two give the same number.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from archlens.teach.answers import Answers
from archlens.errors import one_line
from archlens.teach.mistakes import rule_inputs, wrong_answers
from archlens.core.profile import ModelProfile
from archlens.teach.worksheet import FIELDS, expected

CONVENTIONS = {
    "default": "params count weights plus biases",
    "no-bias": "bias-free parameter counts are accepted (CS231n's VGG table counts weights only)",
}
NO_BIAS_NOTE = "bias-free count, accepted under --convention no-bias"
RULE_SEPARATOR = " or "   # between the names of slips that give the same wrong answer
NO_BIAS_HINT = ("Counting weights only, as CS231n's VGG table does? "
                "Run with --convention no-bias to accept bias-free counts.")


@dataclass(frozen=True)
class FieldKey:
    expected: str                      # canonical right answer
    accept: dict[str, str]             # accepted answer -> note ("" for the plain right answer)
    # (wrong answer, rule name(s), sentence), catalogue order; slips that give the same
    # answer share one entry, their names joined by RULE_SEPARATOR and each sentence numbered
    wrong: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Verdict:
    layer: str
    field: str
    ok: bool
    expected: str
    given: str
    diagnosis: str = ""   # one sentence when a wrong answer matches a known mistake
    rule: str = ""        # that mistake's name ("a or b" where two slips give this answer)
    note: str = ""        # a convention that made a right answer acceptable

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(self.rule.split(RULE_SEPARATOR)) if self.rule else ()

    @property
    def mark(self) -> str:
        return "✓" if self.ok else "✗"


@dataclass(frozen=True)
class CheckReport:
    spec: str
    convention: str
    verdicts: tuple[Verdict, ...]
    unanswered: tuple[tuple[str, tuple[str, ...]], ...]   # (layer, fields) left empty
    answered_layers: int = field(default=0)

    @property
    def wrong(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.ok]

    @property
    def exit_code(self) -> int:
        return 1 if self.wrong else 0


def _field_key(rule_input, name: str, convention: str) -> FieldKey:
    right = expected(rule_input.lp)[name]
    accept = {right: ""}
    bias_free = str(rule_input.lp.params.weight.value)
    if name == "params" and convention == "no-bias" and bias_free != right:
        accept[bias_free] = NO_BIAS_NOTE
    groups: dict[str, list] = {}
    for text, rule in wrong_answers(rule_input, name):
        if text not in accept:
            groups.setdefault(text, []).append(rule)
    wrong = tuple((text, RULE_SEPARATOR.join(r.name for r in rules), diagnosis(rules))
                  for text, rules in groups.items())
    return FieldKey(right, accept, wrong)


def diagnosis(rules) -> str:
    """One rule's sentence; where several slips give the same number, each of them, numbered."""
    if len(rules) == 1:
        return rules[0].sentence
    count = {2: "Two", 3: "Three"}.get(len(rules), str(len(rules)))
    return (f"{count} different slips give this same number: "
            + " ".join(f"({i}) {r.sentence}" for i, r in enumerate(rules, 1)))


def answer_key(p: ModelProfile, convention: str = "default") -> dict[str, dict[str, FieldKey]]:
    """layer -> field -> FieldKey, for every layer of the profile."""
    inputs = rule_inputs(p)
    return {lp.name: {f: _field_key(inputs[lp.name], f, convention) for f in FIELDS}
            for lp in p.layers}


def _verdict(layer: str, name: str, key: FieldKey, given: str) -> Verdict:
    if given in key.accept:
        return Verdict(layer, name, True, key.expected, given, note=key.accept[given])
    match = next((w for w in key.wrong if w[0] == given), None)
    if match is None:
        return Verdict(layer, name, False, key.expected, given)
    return Verdict(layer, name, False, key.expected, given, match[2], match[1])


def check(p: ModelProfile, answers: Answers, convention: str = "default") -> CheckReport:
    """Mark every answered field; unanswered fields are listed, not failed."""
    key = answer_key(p, convention)
    verdicts, unanswered = [], []
    for lp in p.layers:
        given = answers.given.get(lp.name, {})
        verdicts += [_verdict(lp.name, f, key[lp.name][f], given[f]) for f in FIELDS if f in given]
        missing = tuple(f for f in FIELDS if f not in given)
        if missing:
            unanswered.append((lp.name, missing))
    return CheckReport(p.spec.name, convention, tuple(verdicts), tuple(unanswered),
                       len(answers.given))


def _pretty(field_name: str, text: str) -> str:
    return f"{int(text):,}" if field_name in ("params", "macs") and text.isdigit() else text


def verdict_line(v: Verdict, width: int) -> str:
    line = f"{v.mark} {v.layer:<{width}} {v.field:<9} "
    if v.ok:
        return line + _pretty(v.field, v.given) + (f"  ({v.note})" if v.note else "")
    line += f"expected {_pretty(v.field, v.expected)}, given {_pretty(v.field, v.given)}"
    return line + (f"\n  {' ' * width}            {v.diagnosis}" if v.diagnosis else "")


def _unanswered_text(report: CheckReport) -> str:
    if not report.unanswered:
        return "unanswered: none"
    parts = [f"{layer} ({'all' if len(fs) == len(FIELDS) else ', '.join(fs)})"
             for layer, fs in report.unanswered]
    count = sum(len(fs) for _, fs in report.unanswered)
    return f"unanswered ({count} fields, not marked): " + ", ".join(parts)


def to_text(report: CheckReport) -> str:
    right = len(report.verdicts) - len(report.wrong)
    head = (f"{report.spec}: {right} of {len(report.verdicts)} answered fields right, "
            f"{len(report.wrong)} wrong (convention: {report.convention}: "
            f"{CONVENTIONS[report.convention]})")
    width = max([len(v.layer) for v in report.verdicts] + [5])
    lines = [head] + [verdict_line(v, width) for v in report.verdicts]
    if report.convention == "default" and any("forgot_bias" in v.rules for v in report.verdicts):
        lines.append(NO_BIAS_HINT)
    text = "\n".join(lines + [_unanswered_text(report)])
    # the report echoes spec and layer names: each line shown as text, never as terminal codes
    return "\n".join(one_line(line) for line in text.split("\n"))


def key_payload(p: ModelProfile, convention: str = "default") -> dict:
    """The answer key as JSON data for the in-page checker (no formulas needed there)."""
    key = answer_key(p, convention)
    dims = {lp.name: len(lp.out_shape) for lp in p.layers}
    return {"spec": p.spec.name, "convention": convention, "fields": list(FIELDS),
            "layers": {name: {"dims": dims[name], "fields": {
                f: {"expected": k.expected, "accept": k.accept,
                    "wrong": [[w[0], w[1], w[2]] for w in k.wrong]} for f, k in fields.items()}}
                for name, fields in key.items()}}

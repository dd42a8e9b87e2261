"""A ModelProfile as JSON, CSV, Markdown or an aligned terminal table.

JSON field names are a public contract: later versions may add fields, never rename them.
A layer's ``rf`` is null where spatial correspondence ends, else an object with, per axis
[h, w]: ``size`` (the largest field of any output unit, input pixels), ``jump`` and ``start``
as JSON numbers (floats where not whole: 1/3 comes out as 0.3333333333333333), ``exact`` the
same three as exact strings ("1/3", "-1/6", "32") to parse with ``fractions.Fraction``,
``size_min`` (the smallest field of any unit), ``phases`` (how many output phases the fields
repeat over: 1 for convolutions and pools, s after a stride-s transposed conv) and
``phase_sizes`` (each phase's field size, null where a phase reads no input).
"""
from __future__ import annotations

import csv
import io
import json
from fractions import Fraction

from archlens.core import phases as phase_rules

from archlens.core.profile import LayerProfile, ModelProfile
from archlens.render import mdsafe, units
from archlens.render import texttable

CONVENTIONS = ("params = weights + biases; MACs = multiply-accumulates of conv/linear layers; "
               "FLOPs = 2 x MACs + bias adds + elementwise work; activations = output elements "
               "x {dtype} bytes, batch 1; RF = receptive field size / jump / start, per axis")


def rf_json(rf) -> dict | None:
    """A field as JSON (the fields are documented in the module docstring)."""
    if rf is None:
        return None
    out = {k: [units.number(v) for v in getattr(rf, k)] for k in ("size", "jump", "start")}
    out["exact"] = {k: [str(Fraction(v)) for v in getattr(rf, k)] for k in ("size", "jump", "start")}
    out["size_min"] = [units.number(rf.size_range(ax)[0]) for ax in (0, 1)]
    out["phases"] = [rf.period(ax) for ax in (0, 1)]
    out["phase_sizes"] = [[None if v is None else units.number(v) for v in phase_rules.sizes(rf.axis_phases(ax))]
                          for ax in (0, 1)]
    return out


def layer_json(lp: LayerProfile) -> dict:
    out = {"name": lp.name, "kind": lp.kind, "inputs": list(lp.inputs),
           "out_shape": list(lp.out_shape), "params": lp.params.total,
           "weight_params": lp.params.weight.value, "bias_params": lp.params.bias.value,
           "trainable_params": lp.trainable_params, "macs": lp.macs.value,
           "flops": lp.flops.value, "activation_bytes": lp.activation_bytes, "rf": rf_json(lp.rf)}
    if not lp.counted:   # unknown, not 0 (an opaque op)
        out.update(macs=None, flops=None)
    out.update(lp.extra)
    return out


def to_dict(p: ModelProfile) -> dict:
    t = p.totals
    return {"spec": p.spec.name, "input": list(p.input), "dtype": p.dtype,
            "totals": {"params": t.params, "trainable_params": t.trainable_params,
                       "frozen_params": t.frozen_params, "macs": t.macs, "flops": t.flops,
                       "activation_bytes": t.activation_bytes,
                       **({"uncounted_layers": list(t.uncounted)} if t.uncounted else {})},
            "layers": [layer_json(lp) for lp in p.layers]}


def to_json(p: ModelProfile) -> str:
    """Indented at the top, one layer per line.

    ``indent=`` would send every layer through json's pure-Python encoder (the slowest step of
    ``archlens profile`` on a 10,000-layer spec); compact layers use its C encoder.
    """
    doc = to_dict(p)
    layers = doc.pop("layers")
    head = json.dumps(doc, indent=2)[:-2]  # without the closing "\n}"
    rows = ",\n".join("    " + json.dumps(layer) for layer in layers)
    return f'{head},\n  "layers": [\n{rows}\n  ]\n}}'


COLUMNS = ("layer", "kind", "output", "params", "MACs", "FLOPs", "act MiB", "RF", "jump", "start")


def number_style(p: ModelProfile) -> str:
    """One format for every fractional RF number of a table: decimals where all are short and
    exact (0.5, -98.5), else fractions throughout (1/2, 1/3), never a mix."""
    return units.frac_style(v for lp in p.layers if lp.rf for k in ("size", "jump", "start")
                            for v in getattr(lp.rf, k))


def _row(lp: LayerProfile, style: str | None = None) -> list[str]:
    rf = lp.rf
    params = units.count(lp.params.total) + (" (frozen)" if lp.frozen and lp.params.total else "")
    return [lp.name, lp.kind, units.shape(lp.out_shape), params, _count(lp, lp.macs.value),
            _count(lp, lp.flops.value), units.mib(lp.activation_bytes),
            units.field(rf, style) if rf else "none", units.axes(rf.jump, style) if rf else "-",
            units.axes(rf.start, style) if rf else "-"]


def _count(lp: LayerProfile, value: int) -> str:
    return units.count(value) if lp.counted else "unknown"


def at_least(totals, value: int) -> str:
    """A total MACs/FLOPs count: 'at least N' where some layer's count is unknown."""
    return units.count(value) if not totals.uncounted else f"at least {units.count(value)}"


def _total_row(p: ModelProfile) -> list[str]:
    t = p.totals
    return ["total", "", "", units.count(t.params), at_least(t, t.macs), at_least(t, t.flops),
            units.mib(t.activation_bytes), "", "", ""]


def notes(lp: LayerProfile) -> str:
    """A layer's kind-specific facts (``extra``) as text, e.g. a crop's 'offset 5,5' (y,x), and
    'RF by phase, 32 phases' where field sizes differ by output phase."""
    def value(v):
        return ",".join(str(x) for x in v) if isinstance(v, (list, tuple)) else str(v)
    facts = [f"{k} {value(v)}" for k, v in lp.extra.items()] + [units.phases_note(lp.rf)]
    return "; ".join(f for f in facts if f)


def _with_notes(p: ModelProfile, head: list[str], rows: list[list[str]], total: list[str]):
    """Add a 'notes' column only when some layer reports facts, so other tables are unchanged."""
    if not any(lp.extra or units.phases_note(lp.rf) for lp in p.layers):
        return head, rows, total
    return ([*head, "notes"], [[*r, notes(lp)] for r, lp in zip(rows, p.layers)], [*total, ""])


def to_table(p: ModelProfile) -> str:
    style = number_style(p)
    head, body, total = _with_notes(p, list(COLUMNS), [_row(lp, style) for lp in p.layers], _total_row(p))
    rows = [head] + body + [total]
    # stripped: the total row's empty RF cells leave no trailing blanks
    lines = texttable.aligned(rows, left={0, 1, 2, len(COLUMNS)})
    dashes = texttable.rule(lines)
    body = [lines[0], dashes, *lines[1:-1], dashes, lines[-1]]
    return "\n".join([_header(p), *body, _footer(p)])


def _header(p: ModelProfile) -> str:
    return f"{p.spec.name}: input {units.shape(p.input)}, {p.dtype}"


def _footer(p: ModelProfile) -> str:
    t = p.totals
    return "\n".join([
        f"params: {units.count(t.params)} ({units.count(t.trainable_params)} trainable, "
        f"{units.count(t.frozen_params)} frozen)",
        f"MACs: {at_least(t, t.macs)} ({units.si(t.macs)}MAC)   FLOPs: {at_least(t, t.flops)} "
        f"({units.si(t.flops)}FLOP)   activations: {units.mib(t.activation_bytes)} MiB",
        *_unknown_note(t), "conventions: " + CONVENTIONS.format(dtype=p.dtype)])


def _unknown_note(t) -> list[str]:
    if not t.uncounted:
        return []
    return [f"MACs and FLOPs unknown for {len(t.uncounted)} opaque layer(s) (ops archlens has no "
            f"kind for): {', '.join(t.uncounted)}; the totals count the others"]


def to_csv(p: ModelProfile) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["name", "kind", "inputs", "out_shape", "params", "weight_params",
                     "bias_params", "trainable_params", "macs", "flops", "activation_bytes",
                     "rf_size", "rf_jump", "rf_start"])
    style = number_style(p)
    for lp in p.layers:
        rf = lp.rf
        writer.writerow([lp.name, lp.kind, " ".join(lp.inputs), units.shape(lp.out_shape),
                         lp.params.total, lp.params.weight.value, lp.params.bias.value,
                         lp.trainable_params, lp.macs.value if lp.counted else "unknown",
                         lp.flops.value if lp.counted else "unknown", lp.activation_bytes,
                         *(units.axes(getattr(rf, k), style) if rf else "" for k in ("size", "jump", "start"))])
    return buf.getvalue()


def to_markdown(p: ModelProfile) -> str:
    style = number_style(p)
    cols, body, last = _with_notes(p, list(COLUMNS), [_row(lp, style) for lp in p.layers], _total_row(p))
    align = "".join("l" if i < 3 or i == len(COLUMNS) else "r" for i in range(len(cols)))
    rows = [[_md(c) for c in r] for r in body] + [[f"**{c}**" if c else "" for c in last]]
    return "\n".join([mdsafe.table(cols, rows, align), "",
                      _footer(p).replace("\n", "  \n")]) + "\n"


def _md(text: str) -> str:
    return mdsafe.text(text)


FORMATS = {"table": to_table, "json": to_json, "csv": to_csv, "markdown": to_markdown}

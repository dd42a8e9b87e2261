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

from archlens.core.memory import OPTIMIZERS, memory, training
from archlens.core.profile import LayerProfile, ModelProfile
from archlens.render import mdsafe, units
from archlens.render import texttable

CONVENTIONS = ("params = weights + biases; MACs = multiply-accumulates of conv/linear layers; "
               "FLOPs = 2 x MACs + bias adds + elementwise work; out = output elements x {dtype} "
               "bytes, batch 1; live = live tensors at the layer's fullest moment, inference "
               "(views and in-place results share storage; freed after the last reader); "
               "saved = bytes autograd keeps for backward, first kept at this layer; "
               "RF = receptive field size / jump / start, per axis")


def _exact(value) -> str:
    """"1/3", "-1/6", "12": the exact value as text (whole numbers are plain ints: fast)."""
    return str(value) if isinstance(value, int) else str(Fraction(value))


def rf_json(rf) -> dict | None:
    """A field as JSON (the fields are documented in the module docstring)."""
    if rf is None:
        return None
    out = {k: [units.number(v) for v in getattr(rf, k)] for k in ("size", "jump", "start")}
    out["exact"] = {k: [_exact(v) for v in getattr(rf, k)] for k in ("size", "jump", "start")}
    if rf.phases is None:   # one phase per axis, centred (convs, pools): no phase arithmetic
        out.update(size_min=out["size"], phases=[1, 1], phase_sizes=[[v] for v in out["size"]])
        return out
    out["size_min"] = [units.number(rf.size_range(ax)[0]) for ax in (0, 1)]
    out["phases"] = [rf.period(ax) for ax in (0, 1)]
    out["phase_sizes"] = [[None if v is None else units.number(v) for v in phase_rules.sizes(rf.axis_phases(ax))]
                          for ax in (0, 1)]
    return out


def layer_json(lp: LayerProfile) -> dict:
    out = _layer_head(lp)
    out["rf"] = rf_json(lp.rf)
    out.update(lp.extra)
    return out


def _layer_head(lp: LayerProfile) -> dict:
    """A layer's JSON fields before ``rf``."""
    params = lp.params
    out = {"name": lp.name, "kind": lp.kind, "inputs": list(lp.inputs),
           "out_shape": list(lp.out_shape), "params": params.total,
           "weight_params": params.weight.value, "bias_params": params.bias.value,
           "trainable_params": lp.trainable_params, "macs": lp.macs.value,
           "flops": lp.flops.value, "activation_bytes": lp.activation_bytes}
    if not lp.counted:   # unknown, not 0 (an opaque op)
        out.update(macs=None, flops=None)
    return out


def memory_json(p: ModelProfile, batch: int = 1, m=None) -> dict:
    """The memory figures (archlens.core.memory), each named for what it counts."""
    m = m or memory(p, batch)
    return {"batch": batch, "outputs_bytes": m.outputs_bytes, "storage_bytes": m.storage_bytes,
            "inference_peak_bytes": m.peak_bytes, "inference_peak_layer": m.peak_layer,
            "saved_for_backward_bytes": m.saved_bytes,
            "training": {opt: _training_json(p, batch, opt, m) for opt in OPTIMIZERS}}


def _training_json(p: ModelProfile, batch: int, optimizer: str, m) -> dict:
    t = training(p, batch, optimizer, m)
    return {"params_bytes": t.params_bytes, "grads_bytes": t.grads_bytes,
            "optimizer_bytes": t.optimizer_bytes, "saved_bytes": t.saved_bytes,
            "total_bytes": t.total_bytes}


def to_dict(p: ModelProfile, batch: int = 1) -> dict:
    mem = memory(p, batch)
    layers = [{**layer_json(lp), "live_bytes": lm.live_bytes, "saved_bytes": lm.saved_bytes}
              for lp, lm in zip(p.layers, mem.layers)]
    return {**_summary(p, batch, mem), "layers": layers}


def _summary(p: ModelProfile, batch: int, mem) -> dict:
    """``to_dict`` but its layers."""
    t = p.totals
    return {"spec": p.spec.name, "input": list(p.input), "dtype": p.dtype,
            "totals": {"params": t.params, "trainable_params": t.trainable_params,
                       "frozen_params": t.frozen_params, "macs": t.macs, "flops": t.flops,
                       "activation_bytes": t.activation_bytes,
                       **({"uncounted_layers": list(t.uncounted)} if t.uncounted else {})},
            "memory": memory_json(p, batch, mem)}


def to_json(p: ModelProfile, batch: int = 1) -> str:
    """``to_dict`` as JSON: indented at the top, one layer per line.

    ``indent=`` would send every layer through json's pure-Python encoder (the slowest step of
    ``archlens profile`` on a 10,000-layer spec); compact layers use its C encoder, and each
    distinct receptive field is encoded once (a pointwise layer has its input's).
    """
    mem = memory(p, batch)
    head = json.dumps(_summary(p, batch, mem), indent=2)[:-2]  # without the closing "\n}"
    fields: dict = {}
    rows = ",\n".join("    " + _layer_text(lp, lm, fields) for lp, lm in zip(p.layers, mem.layers))
    return f'{head},\n  "layers": [\n{rows}\n  ]\n}}'


_ENCODE = json.JSONEncoder(check_circular=False).encode   # a profile's JSON is a tree
# Where a row's "rf" object goes: a string no layer name, kind or input can hold (identifiers),
# replaced by the field's JSON text after the row is encoded.
_RF_SLOT = "\x00rf"
_RF_SLOT_TEXT = json.dumps(_RF_SLOT)


def _layer_text(lp: LayerProfile, lm, fields: dict) -> str:
    """``json.dumps`` of the layer's ``to_dict`` entry; ``fields`` keeps each receptive
    field's JSON text (by value: equal fields write equal text)."""
    row = _layer_head(lp)
    row["rf"] = _RF_SLOT
    row.update(lp.extra)
    row["live_bytes"], row["saved_bytes"] = lm.live_bytes, lm.saved_bytes
    if row["rf"] is not _RF_SLOT:   # a kind's fact named rf (none has one): as layer_json has it
        return _ENCODE(row)
    try:
        rf = fields.get(lp.rf)
        if rf is None:
            rf = fields[lp.rf] = _ENCODE(rf_json(lp.rf))
    except TypeError:   # a field holding a list would be unhashable: encoded on its own
        rf = _ENCODE(rf_json(lp.rf))
    return _ENCODE(row).replace(_RF_SLOT_TEXT, rf, 1)


COLUMNS = ("layer", "kind", "output", "params", "MACs", "FLOPs", "out MiB", "live MiB",
           "saved MiB", "RF", "jump", "start")


def _rows(p: ModelProfile, m, style: str | None = None) -> list[list[str]]:
    return [[*r[:7], units.mib(lm.live_bytes), units.mib(lm.saved_bytes), *r[7:]]
            for r, lm in zip((_row(lp, style) for lp in p.layers), m.layers)]


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


def _total_row(p: ModelProfile, m) -> list[str]:
    t = p.totals
    return ["total", "", "", units.count(t.params), at_least(t, t.macs), at_least(t, t.flops),
            units.mib(t.activation_bytes), f"peak {units.mib(m.peak_bytes)}",
            units.mib(m.saved_bytes), "", "", ""]


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


def to_table(p: ModelProfile, batch: int = 1) -> str:
    m = memory(p, batch)
    head, body, total = _with_notes(p, list(COLUMNS), _rows(p, m, number_style(p)), _total_row(p, m))
    rows = [head] + body + [total]
    # stripped: the total row's empty RF cells leave no trailing blanks
    lines = texttable.aligned(rows, left={0, 1, 2, len(COLUMNS)})
    dashes = texttable.rule(lines)
    body = [lines[0], dashes, *lines[1:-1], dashes, lines[-1]]
    return "\n".join([_header(p), *body, _footer(p, m)])


def _header(p: ModelProfile) -> str:
    return f"{p.spec.name}: input {units.shape(p.input)}, {p.dtype}"


def _footer(p: ModelProfile, m) -> str:
    t = p.totals
    return "\n".join([
        f"params: {units.count(t.params)} ({units.count(t.trainable_params)} trainable, "
        f"{units.count(t.frozen_params)} frozen)",
        f"MACs: {at_least(t, t.macs)} ({units.si(t.macs)}MAC)   FLOPs: {at_least(t, t.flops)} "
        f"({units.si(t.flops)}FLOP)",
        *_unknown_note(t), *memory_lines(p, m),
        "conventions: " + CONVENTIONS.format(dtype=p.dtype)])


def _unknown_note(t) -> list[str]:
    if not t.uncounted:
        return []
    return [f"MACs and FLOPs unknown for {len(t.uncounted)} opaque layer(s) (ops archlens has no "
            f"kind for): {', '.join(t.uncounted)}; the totals count the others"]


def memory_lines(p: ModelProfile, m) -> list[str]:
    """The memory figures (``m``: core.memory's) in words, each saying what it counts."""
    batch, mib = m.batch, units.mib_unit
    lines = [f"memory, batch {batch}: every layer's output added {mib(m.outputs_bytes)}; "
             f"distinct storages {mib(m.storage_bytes)}; inference peak {mib(m.peak_bytes)} "
             f"(live tensors at {m.peak_layer}, input included); saved for backward "
             f"{mib(m.saved_bytes)}"]
    for opt in ("sgd_momentum", "adam"):
        tr = training(p, batch, opt, m)
        lines.append(f"training, batch {batch}, {opt}: params {mib(tr.params_bytes)} + grads "
                     f"{mib(tr.grads_bytes)} + optimizer state {mib(tr.optimizer_bytes)} + "
                     f"saved activations {mib(tr.saved_bytes)} = {mib(tr.total_bytes)}")
    return lines


def to_csv(p: ModelProfile, batch: int = 1) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["name", "kind", "inputs", "out_shape", "params", "weight_params",
                     "bias_params", "trainable_params", "macs", "flops", "activation_bytes",
                     "rf_size", "rf_jump", "rf_start", "live_bytes", "saved_bytes"])
    style = number_style(p)
    for lp, lm in zip(p.layers, memory(p, batch).layers):
        rf = lp.rf
        writer.writerow([lp.name, lp.kind, " ".join(lp.inputs), units.shape(lp.out_shape),
                         lp.params.total, lp.params.weight.value, lp.params.bias.value,
                         lp.trainable_params, lp.macs.value if lp.counted else "unknown",
                         lp.flops.value if lp.counted else "unknown", lp.activation_bytes,
                         *(units.axes(getattr(rf, k), style) if rf else "" for k in ("size", "jump", "start")),
                         lm.live_bytes, lm.saved_bytes])
    return buf.getvalue()


def to_markdown(p: ModelProfile, batch: int = 1) -> str:
    m = memory(p, batch)
    cols, body, last = _with_notes(p, list(COLUMNS), _rows(p, m, number_style(p)), _total_row(p, m))
    align = "".join("l" if i < 3 or i == len(COLUMNS) else "r" for i in range(len(cols)))
    rows = [[_md(c) for c in r] for r in body] + [[f"**{c}**" if c else "" for c in last]]
    return "\n".join([mdsafe.table(cols, rows, align), "",
                      _footer(p, m).replace("\n", "  \n")]) + "\n"


def _md(text: str) -> str:
    return mdsafe.text(text)


FORMATS = {"table": to_table, "json": to_json, "csv": to_csv, "markdown": to_markdown}

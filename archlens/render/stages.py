"""A detection StageProfile as JSON, CSV, Markdown or a terminal table.

JSON adds to the plain profile's contract (fields are added, never renamed): ``proposals``,
``method``, ``stages`` (``name``, ``runs``, ``macs`` per run, ``macs_total``, ``flops``,
``params``, ``activation_bytes`` per run, ``activation_total``, ``in_shape``, ``note``), and
``totals`` that multiply each stage by its runs. ``layers`` lists every layer of the stages
that run a network, with the ``stage`` it belongs to.
"""
from __future__ import annotations

import csv
import io
import json

from archlens.render import mdsafe, units
from archlens.render.formats import layer_json
from archlens.render import texttable

COLUMNS = ("stage", "runs", "input/run", "MACs/run", "MACs total", "params", "act MiB/run",
           "act MiB total", "note")
CONVENTIONS = ("runs = times per image (N = proposals); MACs total = runs x MACs/run; params "
               "counted once; act = output elements x {dtype} bytes, batch 1; stages marked "
               "'not counted' do no multiply-accumulates we count")


def stage_json(s) -> dict:
    return {"name": s.name, "runs": s.runs, "in_shape": list(s.in_shape), "macs": s.macs,
            "macs_total": s.macs_total, "flops": s.flops, "flops_total": s.runs * s.flops,
            "params": s.params, "activation_bytes": s.activation_bytes,
            "activation_total": s.activation_total, "note": s.note}


def to_dict(p) -> dict:
    t = p.totals
    layers = [{**layer_json(lp), "stage": s.name} for s in p.stages for lp in s.layers]
    return {"spec": p.spec.name, "method": p.config.method, "proposals": p.proposals,
            "input": list(p.image), "dtype": p.dtype,
            "totals": {"params": t.params, "trainable_params": t.trainable_params,
                       "frozen_params": t.frozen_params, "macs": t.macs, "flops": t.flops,
                       "activation_bytes": t.activation_bytes},
            "stages": [stage_json(s) for s in p.stages], "layers": layers}


def to_json(p) -> str:
    return json.dumps(to_dict(p), indent=2)


def _row(s) -> list[str]:
    return [s.name, units.count(s.runs), units.shape(s.in_shape), units.count(s.macs),
            units.count(s.macs_total), units.count(s.params), units.mib(s.activation_bytes),
            units.mib(s.activation_total), s.note]


def _total_row(p) -> list[str]:
    t = p.totals
    return ["total", "", "", "", units.count(t.macs), units.count(t.params), "",
            units.mib(t.activation_bytes), f"{units.si(t.macs)}MAC per image"]


def _header(p) -> str:
    method = {"rcnn": "R-CNN: the whole CNN runs once per region",
              "sppnet": "SPPNet: convolutions once per image, fc layers once per region"}
    return (f"{p.spec.name}: {method[p.config.method]}; {p.proposals:,} proposals, "
            f"image {units.shape(p.image)}, {p.dtype}")


def to_table(p) -> str:
    rows = [list(COLUMNS)] + [_row(s) for s in p.stages] + [_total_row(p)]
    lines = texttable.aligned(rows, left={0, 2, len(COLUMNS) - 1})
    dashes = texttable.rule(lines)
    body = [lines[0], dashes, *lines[1:-1], dashes, lines[-1]]
    return "\n".join([_header(p), *body, "conventions: " + CONVENTIONS.format(dtype=p.dtype)])


def to_markdown(p) -> str:
    align = "".join("l" if i in (0, 2, 8) else "r" for i in range(len(COLUMNS)))
    rows = [[mdsafe.text(c) for c in _row(s)] for s in p.stages]
    rows.append([f"**{c}**" if c else "" for c in _total_row(p)])
    return "\n".join([mdsafe.text(_header(p)), "", mdsafe.table(list(COLUMNS), rows, align), "",
                      "conventions: " + CONVENTIONS.format(dtype=p.dtype)]) + "\n"


def to_csv(p) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["stage", "runs", "in_shape", "macs", "macs_total", "params",
                     "activation_bytes", "activation_total", "note"])
    for s in p.stages:
        writer.writerow([s.name, s.runs, units.shape(s.in_shape), s.macs, s.macs_total, s.params,
                         s.activation_bytes, s.activation_total, s.note])
    return buf.getvalue()


FORMATS = {"table": to_table, "json": to_json, "csv": to_csv, "markdown": to_markdown}

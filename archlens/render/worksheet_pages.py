"""Worksheets as Markdown (LaTeX math for arithmatex) and as a standalone printable HTML page.

The HTML page and the site fragment carry the in-page checker: ``static/checker.js`` plus the
answer key (``checker.key_payload``) embedded as JSON, so verdicts are computed offline in the
browser from the same table the Python checker uses. Everything user-written is escaped.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from markupsafe import Markup, escape

from archlens.teach.checker import CONVENTIONS, key_payload
from archlens.core.profile import ModelProfile
from archlens.teach.worksheet import FIELDS, QUANTITY, Item, SheetLayer, build_worksheet
from archlens.render import mdsafe, units
from archlens.render.templating import template_env

HERE = Path(__file__).resolve().parent
BLANK = "____"
INTRO = ("For every layer, compute each quantity by hand from the formula, then compare. "
         "The first layer of each kind is worked in full as an example.")


@lru_cache(maxsize=1)
def _env():
    return template_env("archlens.render", autoescape=True,
                        filters={"math": math_html, "count": _count_text})


def _static(name: str) -> str:
    return (HERE / "static" / name).read_text(encoding="utf-8")


def math_html(latex: str) -> Markup:
    """LaTeX as MathML (latex2mathml), or as escaped LaTeX text if the converter is missing."""
    try:
        from latex2mathml.converter import convert
        return Markup(convert(latex.replace("{,}", r"\,")))  # 25{,}088 -> 25 088 (thin space)
    except Exception:  # converter absent or formula beyond it: show the LaTeX itself
        return Markup("<code>") + escape(latex) + Markup("</code>")


def _count_text(text: str) -> str:
    return units.count(int(text)) if text.isdigit() else text


def _json_for_script(data: dict) -> Markup:
    """JSON safe inside <script>: '<', '>' and '&' as \\u escapes (no '</script>' possible)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(ch, esc)
    return Markup(text)


def _context(p: ModelProfile, fields, answers: bool, convention: str) -> dict:
    ws = build_worksheet(p, fields)
    return {"ws": ws, "answers": answers, "intro": INTRO, "quantity": QUANTITY,
            "input": units.shape(p.input), "shape": units.shape, "convention": CONVENTIONS[convention],
            "key": _json_for_script(key_payload(p, convention)), "blank": BLANK,
            "js": Markup(_static("checker.js")), "css": Markup(_static("worksheet.css"))}


def worksheet_html(p: ModelProfile, answers: bool = False, fields=FIELDS,
                   convention: str = "default") -> str:
    """A standalone page (no network): worksheet, answer fields and the in-page checker."""
    return _env().get_template("worksheet.html.j2").render(_context(p, fields, answers, convention))


def checker_fragment(p: ModelProfile, fields=FIELDS, convention: str = "default") -> str:
    """An answer form with its key and script, with no blank lines, for a Markdown page."""
    html = _env().get_template("checker_fragment.html.j2").render(
        _context(p, fields, False, convention))
    return "\n".join(line for line in html.splitlines() if line.strip()) + "\n"


def _md(text: str) -> str:
    return mdsafe.text(text)


def _code(text: str) -> str:
    """A code span for plain command text; anything unusual is escaped as ordinary text."""
    return f"`{text}`" if re.fullmatch(r"[\w .,/=-]+", text) else _md(text)


def _tex(latex: str) -> str:
    return "$" + latex.replace("|", "\\|") + "$"


def _item_rows(item: Item, show: bool) -> list[str]:
    if not item.lines:
        result = item.answer if show else BLANK
        return [f"| {QUANTITY[item.field]} | {_md(item.note)} | | {result} |"]
    rows = []
    for line in item.lines:
        result = _count_text(str(line.calc.value)) if show else BLANK
        rows.append(f"| {QUANTITY[item.field]}: {_tex(line.symbol)} | {_tex(line.calc.formula)} "
                    f"| {_tex(line.calc.working)} | {result} |")
    if item.note and show:
        rows.append(f"| | {_md(item.note)} | | |")
    return rows


def _layer_md(layer: SheetLayer, answers: bool) -> list[str]:
    tag = " · worked example" if layer.example and not answers else ""
    ins = ", ".join(units.shape(s) for s in layer.in_shapes)
    lines = [f"### {_md(layer.name)} ({_md(layer.kind)}){tag}", "", f"Input {ins}.", "",
             "| quantity | formula | working | result |", "|---|---|---|---:|"]
    for item in layer.items:
        lines += _item_rows(item, answers or layer.example)
    return lines + [""]


def worksheet_markdown(p: ModelProfile, answers: bool = False, fields=FIELDS,
                       convention: str = "default", checker: bool = False) -> str:
    """The worksheet as Markdown; ``checker`` appends the in-page answer form (site pages)."""
    ws = build_worksheet(p, fields)
    out = [f"# Worksheet: {_md(ws.title or ws.spec)}", "",
           f"Spec {_code(ws.spec)}, input {units.shape(p.input)} (batch axis excluded). {INTRO} "
           f"Answer file: {_code(f'archlens worksheet {ws.spec} --template answers.yaml')}; "
           f"check it with {_code(f'archlens check {ws.spec} answers.yaml')}.", "",
           f"Conventions: {CONVENTIONS[convention]}; MACs count multiply-accumulates of conv and "
           f"linear layers; the receptive field is its size in input pixels.", ""]
    for stage in ws.stages:
        out += [f"## {_md(stage.title)}", ""] if stage.title else []
        for layer in stage.layers:
            out += _layer_md(layer, answers)
    if checker:
        out += ["## Check your answers", "", checker_fragment(p, fields, convention)]
    return "\n".join(out).rstrip() + "\n"

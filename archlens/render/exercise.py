"""Exercise sheets: the worksheet without working, results or answer key.

For a teacher who hands the sheet out: every layer lists its quantities with their symbolic
formulas only, and blank answer fields. The page marks answers through the hashed key of
``teach.exercise_key`` (no answer value is in the page source), keeps what is typed in the
browser's localStorage, and downloads it as the ``answers.yaml`` that ``archlens check`` reads.
The Markdown form is the same sheet for paper.
"""
from __future__ import annotations

from markupsafe import Markup

from archlens.core.profile import ModelProfile
from archlens.render import units
from archlens.render.worksheet_pages import (BLANK, _code, _env, _json_for_script, _md, _static,
                                             _tex)
from archlens.teach.checker import CONVENTIONS
from archlens.teach.exercise_key import hashed_key_payload, sheet_salt
from archlens.teach.worksheet import FIELDS, QUANTITY, build_worksheet

INTRO = ("For every layer, compute each quantity by hand from its formula and write it in. "
         "Press Check to mark your answers in this page (nothing leaves it), or download them "
         "and run archlens check.")


def layer_given(p: ModelProfile) -> dict[str, str]:
    """What the sheet gives per layer: its arguments as written and its named inputs."""
    out = {}
    for layer in p.spec.layers:
        args = ", ".join(f"{k} {v}" for k, v in layer.raw.items())
        parts = ([f"arguments: {args}"] if args else []) + (
            [f"inputs: {', '.join(layer.inputs)}"] if layer.inputs else [])
        out[layer.name] = "; ".join(parts)
    return out


def stage_name(title: str) -> str:
    """'Stage 2 (input 112x112)' -> 'Stage 2': the size in brackets is an earlier answer."""
    return title.split(" (", 1)[0]


def _context(p: ModelProfile, fields, salt: str, convention: str) -> dict:
    return {"ws": build_worksheet(p, fields), "given": layer_given(p), "stage_name": stage_name,
            "intro": INTRO, "quantity": QUANTITY,
            "input": units.shape(p.input), "convention": CONVENTIONS[convention],
            "key": _json_for_script(hashed_key_payload(p, fields, salt, convention)),
            "storage": f"archlens-exercise:{p.spec.name}:{salt}",
            "css": Markup(_static("worksheet.css")), "checker_js": Markup(_static("checker.js")),
            "js": Markup(_static("exercise.js"))}


def exercise_html(p: ModelProfile, fields=FIELDS, seed: int | None = None,
                  convention: str = "default") -> str:
    """The standalone exercise page (offline; hashed key; localStorage; answers.yaml export)."""
    salt = sheet_salt(p, fields, "" if seed is None else f"seed {seed}")
    return _env().get_template("exercise.html.j2").render(
        _context(p, fields, salt, convention), heading=True)


def exercise_fragment(p: ModelProfile, fields=FIELDS, convention: str = "default") -> str:
    """The same sheet for a site page (its title is the page's): no blank lines, so Markdown
    keeps it one raw HTML block; the same salt as the CLI's sheet without a seed."""
    salt = sheet_salt(p, fields, "")
    context = _context(p, fields, salt, convention)
    html = f"<style>{context['css']}</style>\n" + _env().get_template(
        "_exercise_body.html.j2").render(context, heading=False)
    return "\n".join(line for line in html.splitlines() if line.strip()) + "\n"


def exercise_markdown(p: ModelProfile, fields=FIELDS, convention: str = "default") -> str:
    """The exercise sheet for paper: formulas and blanks, no working, no results."""
    ws, given = build_worksheet(p, fields), layer_given(p)
    out = [f"# Exercise: {_md(ws.title or ws.spec)}", "",
           f"Spec {_code(ws.spec)}, input {units.shape(p.input)} (batch axis excluded). "
           "For every layer, compute each quantity by hand from its formula. Answer file: "
           f"{_code(f'archlens worksheet {ws.spec} --template answers.yaml')}; check it with "
           f"{_code(f'archlens check {ws.spec} answers.yaml')}.", "",
           f"Conventions: {CONVENTIONS[convention]}; MACs count multiply-accumulates of conv and "
           "linear layers; the receptive field is its size in input pixels.", ""]
    for stage in ws.stages:
        out += [f"## {_md(stage_name(stage.title))}", ""] if stage.title else []
        for layer in stage.layers:
            out += [f"### {_md(layer.name)} ({_md(layer.kind)})", ""]
            out += [_md(given[layer.name].capitalize()) + ".", ""] if given[layer.name] else []
            out += [
                    "| quantity | formula | your answer |", "|---|---|---|"]
            out += [f"| {QUANTITY[item.field]} | "
                    + "; ".join(_tex(f"{line.symbol} = {line.calc.formula}") for line in item.lines)
                    + f" | {BLANK} |" for item in layer.items]
            out.append("")
    return "\n".join(out).rstrip() + "\n"

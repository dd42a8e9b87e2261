"""The home page and the model index: one sortable table of every spec and a chart.

The table is a raw HTML block (so each cell can carry its exact number for sorting in
``archlens/site/assets/javascripts/sortable-tables.js``); every spec string in it is HTML-escaped.
"""
from __future__ import annotations

from pathlib import Path

from archlens.core.memory import memory
from archlens.core.profile import ModelProfile
from archlens.render import units
from archlens.render.formats import CONVENTIONS
from archlens.render.templating import template_env
from archlens.site import charts
from archlens.site import mdtext as md
from archlens.site.figures import figure_width, write_figure
from archlens.site.spec_page import last_rf, weighted_depth

COLUMNS = ("model", "task", "depth", "params", "MACs", "FLOPs", "RF", "outputs added",
           "inference peak")


def _env():
    return template_env("archlens.site", autoescape=False, keep_trailing_newline=True)


def _cell(text: str, value: int | float | None = None) -> str:
    sort = "" if value is None else f' data-sort="{value}"'
    return f"<td{sort}>{text}</td>"


def _row(p: ModelProfile, link: str) -> str:
    t, rf = p.totals, last_rf(p)
    rf_size = int(max(rf.rf.size)) if rf else None
    # A Markdown link (md_in_html parses the cell), so MkDocs turns page.md into the page's URL
    # whatever use_directory_urls says; a raw <a href="page.md"> would stay dead.
    cells = [f'<td markdown="span">[{md.text(p.spec.name)}]({link})</td>',
             _cell(md.attr(p.spec.task)), _cell(str(weighted_depth(p)), weighted_depth(p)),
             _cell(units.count(t.params), t.params), _cell(units.si_unit(t.macs, "MAC"), t.macs),
             _cell(units.si_unit(t.flops, "FLOP"), t.flops),
             _cell(units.axes(rf.rf.size) if rf else "none", rf_size if rf else -1),
             _cell(units.mib_unit(t.activation_bytes), t.activation_bytes),
             _cell(units.mib_unit(peak := memory(p).peak_bytes), peak)]
    return '<tr markdown="1">' + "".join(cells) + "</tr>"


def model_table(entries: list[tuple[ModelProfile, str]]) -> str:
    """An HTML table with no blank lines (one raw block in Markdown); md_in_html parses its
    name cells, so every element on the way down says markdown="1"."""
    head = "".join(f"<th>{c}</th>" for c in COLUMNS)
    rows = "\n".join(_row(p, link) for p, link in entries)
    # The class sits on a wrapper: Material styles only tables without a class.
    return (f'<div class="al-sortable" markdown="1">\n<table markdown="1">\n<thead><tr>{head}</tr></thead>\n'
            f'<tbody markdown="1">\n{rows}\n</tbody>\n</table>\n</div>')


def models_page(entries: list[tuple[ModelProfile, str]], out_dir: Path) -> tuple[str, list[Path]]:
    """The model index page (Markdown) and the figure files it embeds."""
    rows = [(p.spec.name, p.spec.task, p.totals.params, p.totals.macs) for p, _ in entries]
    written = write_figure(charts.model_comparison(rows), out_dir / "figures", "model-comparison")
    figure = md.figure_md("figures/model-comparison", "parameters and MACs of every model",
                       "Every model at its native input: parameters and MACs (log scale).",
                       figure_width(written))
    text = _env().get_template("models.md.j2").render(
        table=model_table(entries), figure=figure, conventions=md.text(CONVENTIONS.format(dtype="float32")))
    return text, written


def home_page(entries: list[tuple[ModelProfile, str]], models_link: str, concepts_link: str) -> str:
    example = next((p for p, _ in entries if p.spec.name == "vgg16"), entries[0][0] if entries else None)
    return _env().get_template("home.md.j2").render(
        count=len(entries), models_link=models_link, concepts_link=concepts_link,
        example=example, units=units, md=md)

"""A model page's worksheet section, and the exercise-mode page it toggles to.

The model page shows the worksheet with its worked examples and the answers folded away; the
exercise page (``generated/exercises/SLUG.md``) is the same sheet as ``archlens worksheet SPEC
--exercise`` gives it: arguments and symbolic formulas, blank answer fields, no working, no
answers box, and only the salted hashes of the answers in its source (``render/exercise.py``).
A link on each page leads to the other ("Exercise mode: hide the answers" / "Show the worked
answers"): a link, so it is reached with Tab and followed with Enter.
"""
from __future__ import annotations

from pathlib import Path

from archlens.files import write_if_changed
from archlens.site import mdtext as md

EXERCISES = "exercises"          # folder beside models/ under generated/
WORKSHEET_ANCHOR = "worksheet"   # the id Markdown gives "## Worksheet"
TO_EXERCISE = "Exercise mode: hide the answers"
TO_WORKSHEET = "Show the worked answers"


def exercise_link(slug: str) -> str:
    """The exercise page of model ``slug``, relative to a page in generated/models/ or concepts/."""
    return f"../{EXERCISES}/{slug}.md"


def worksheet_link(slug: str) -> str:
    """The worksheet section of model ``slug``, relative to a page in a sibling folder."""
    return f"../models/{slug}.md#{WORKSHEET_ANCHOR}"


def toggle(text: str, target: str) -> str:
    """A visible button-styled link (Material's md-button), keyboard-reachable as any link."""
    return f"[{text}]({target}){{ .md-button .al-mode-toggle }}"


def worksheet_section(d) -> str:
    from archlens.render.print_view import print_button_html
    from archlens.render.worksheet_pages import checker_fragment, worksheet_markdown
    blank = _demote(worksheet_markdown(d.profile, answers=False))
    answers = _demote(worksheet_markdown(d.profile, answers=True))
    exercise = write_exercise_page(d)
    d.written.append(exercise)
    return "\n".join([
        "## Worksheet", "",
        "Compute each layer's output shape, parameters, MACs and receptive field by hand, then "
        "check your answers below (in your browser, nothing is sent anywhere).", "",
        toggle(TO_EXERCISE, exercise_link(d.slug)), "", print_button_html(), "",
        '??? question "The worksheet (first layer of each kind worked in full)"', "", md.indent(blank), "",
        '??? success "Answers"', "", md.indent(answers), "",
        "### Check your answers", "", checker_fragment(d.profile)])


def exercise_page(d) -> str:
    """The exercise-mode page's Markdown: title, the toggle back, and the hashed-key sheet."""
    from archlens.render.exercise import exercise_fragment
    title = md.text(d.spec.title or d.spec.name)
    return "\n".join([
        f"# Exercise: {title}", "",
        f"The worksheet of [{title}](../models/{d.slug}.md) in exercise mode: every layer's "
        "arguments and formulas, and a blank for each answer. No working and no answers are in "
        "this page; Check marks what you type against salted hashes of the accepted answers "
        "and of the known mistakes.", "",
        toggle(TO_WORKSHEET, worksheet_link(d.slug)), "",
        exercise_fragment(d.profile)]).rstrip() + "\n"


def write_exercise_page(d) -> Path:
    path = Path(d.out_dir).parent / EXERCISES / f"{d.slug}.md"
    write_if_changed(path, exercise_page(d).encode("utf-8"))
    return path


def _demote(sheet: str) -> str:
    """A worksheet inside a folded block: no title, layer headings as bold lines (off the TOC)."""
    out = []
    for line in sheet.splitlines():
        if line.startswith("# "):
            continue
        if line.startswith("#"):
            line = "**" + line.lstrip("#").strip() + "**"
        out.append(line)
    return "\n".join(out).strip()

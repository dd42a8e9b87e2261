"""Answer files: read (YAML or CSV), validate with located messages, and write templates.

YAML: a top-level ``layers:`` mapping, layer name -> {out_shape, params, macs, rf}.
CSV, either of two headers (chosen by the first row):
  long:  ``layer,field,value``              one answer per row
  wide:  ``layer,out_shape,params,macs,rf`` one layer per row (any subset of the field columns)
In CSV cells a shape is written ``64x224x224`` (or ``[64, 224, 224]``), a field ``5`` or ``5x7``.
Every answer becomes canonical text (``canonical``), the form the checker and the page compare.
"""
from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

from archlens.spec import yamlio
from archlens.errors import ArchlensError, quoted
from archlens.files import TooLarge, check_output, read_text_limited, write_text_atomically
from archlens.core.geometry import fmt_shape
from archlens.core.kinds.args import describe, suggest
from archlens.core.profile import ModelProfile
from archlens.teach.worksheet import FIELDS, rf_text

FIELD_HELP = {
    "out_shape": "output shape without the batch axis: [C, H, W], or [features] once flat",
    "params": "learnable parameters of this layer: weights plus biases (an integer)",
    "macs": "multiply-accumulates for one input: conv/linear only, 0 for other layers",
    "rf": "receptive-field size in input pixels: an integer for a square field, [h, w] "
          "otherwise, none after flatten",
}


class AnswersError(ArchlensError):
    """A malformed answers file: names the file, the line where known, and the entry."""

    def __init__(self, file: str, problem: str, line: int | None = None, layer: str | None = None):
        where = [str(file)] + ([f"line {line}"] if line else []) + (
            [f"layer '{layer}'"] if layer is not None else [])
        super().__init__(": ".join(where + [problem]))


class Problem(ValueError):
    """An unreadable answer value; the reader adds file, line and layer."""


def _count(value) -> str:
    if isinstance(value, str):
        text = re.sub(r"[,_\s]", "", value)
        if re.fullmatch(r"-[0-9]+", text):
            raise Problem(f"must be a non-negative integer, got {value.strip()}")
        if not re.fullmatch(r"[0-9]+", text):
            raise Problem(f"must be a non-negative integer, got {describe(value)}")
        limit = sys.get_int_max_str_digits()   # int() refuses longer text (0: no limit)
        if limit and len(text) > limit:
            raise Problem(f"must be a non-negative integer of at most {limit:,} digits, got a "
                          f"{len(text):,}-digit number")
        return str(int(text))
    if isinstance(value, bool) or not isinstance(value, int):
        raise Problem(f"must be a non-negative integer, got {describe(value)}")
    if value < 0:
        raise Problem(f"must be a non-negative integer, got {value}")
    return str(value)


def _numbers(value, what: str) -> list[int]:
    if isinstance(value, str):
        parts = [p for p in re.split(r"[x×,\s]+", value.strip().strip("[]()")) if p]
    elif isinstance(value, (list, tuple)):
        parts = list(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        parts = [value]
    else:
        raise Problem(f"must be {what}, got {describe(value)}")
    try:
        numbers = [int(_count(p)) for p in parts]
    except Problem:
        raise Problem(f"must be {what} of positive integers, got {describe(value)}") from None
    if not numbers or min(numbers) < 1:
        raise Problem(f"must be {what} of positive integers, got {describe(value)}")
    return numbers


def _shape(value, dims: int) -> str:
    what = "[C, H, W]" if dims == 3 else f"a list of {dims} number(s)"
    numbers = _numbers(value, what)
    if len(numbers) != dims:
        raise Problem(f"must be {what} ({dims} entries), got {describe(value)}")
    return fmt_shape(numbers)


def _rf(value) -> str:
    if isinstance(value, str) and value.strip().lower() == "none":
        return "none"
    numbers = _numbers(value, "an integer or [h, w]")
    if len(numbers) > 2:
        raise Problem(f"must be an integer or [h, w], got {describe(value)}")
    return rf_text((numbers * 2)[:2])


def canonical(field: str, value, dims: int = 3) -> str:
    """An answer as the text the checker compares ('64x224x224', '1792', '5' or '5x7')."""
    if field == "out_shape":
        return _shape(value, dims)
    if field == "rf":
        return _rf(value)
    return _count(value)


class Answers:
    """Validated answers: layer -> field -> canonical text (unanswered fields absent)."""

    def __init__(self, file: str, profile: ModelProfile):
        self.file, self.profile = file, profile
        self.given: dict[str, dict[str, str]] = {}
        self.seen: set[tuple[str, str]] = set()
        self.dims = {lp.name: len(lp.out_shape) for lp in profile.layers}

    def add(self, layer, field, value, line: int | None = None) -> None:
        self._check_names(layer, field, line)
        if (layer, field) in self.seen:
            raise AnswersError(self.file, f"duplicate entry: '{field}' appears twice", line, layer)
        self.seen.add((layer, field))
        if value is None or (isinstance(value, str) and not value.strip()):
            return
        try:
            text = canonical(field, value, self.dims[layer])
        except Problem as exc:
            raise AnswersError(self.file, f"{field} {exc}", line, layer) from None
        self.given.setdefault(layer, {})[field] = text

    def _check_names(self, layer, field, line) -> None:
        if not isinstance(layer, str) or layer not in self.dims:
            hint = suggest(str(layer), self.dims)
            raise AnswersError(self.file, f"no layer {quoted(layer)} in {self.profile.spec.name}"
                                          f"{hint or ' (see archlens worksheet for the names)'}", line)
        if field not in FIELDS:
            hint = suggest(str(field), FIELDS)
            raise AnswersError(self.file, f"unknown field {quoted(field)}{hint or ''} (fields: "
                                          f"{', '.join(FIELDS)})", line, layer)


def read_answers(path, profile: ModelProfile) -> Answers:
    """Read a YAML or CSV answers file (by suffix); malformed files raise ``AnswersError``."""
    path = Path(path)
    try:
        text = read_text_limited(path)
    except TooLarge as exc:
        raise AnswersError(str(path), str(exc)) from None
    except FileNotFoundError:
        raise AnswersError(str(path), "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise AnswersError(str(path), f"cannot read file ({exc.__class__.__name__}); "
                                      f"answers are a YAML or CSV text file") from None
    answers = Answers(str(path), profile)
    reader = _read_csv if path.suffix.lower() == ".csv" else _read_yaml
    reader(text, answers)
    return answers


def _read_yaml(text: str, answers: Answers) -> None:
    doc, lines = yamlio.parse_with_lines(text, answers.file)
    if not isinstance(doc, dict) or not isinstance(doc.get("layers"), dict):
        raise AnswersError(answers.file, f"not an answers file: expected a top-level 'layers:' "
                                         f"mapping of layer names to fields (see archlens "
                                         f"worksheet --template), but {_shape_of(doc)}")
    for key in doc:
        if key != "layers":
            raise AnswersError(answers.file, f"unknown top-level key {quoted(key)} (only 'layers')",
                               lines.get((key,)))
    for layer, fields in doc["layers"].items():
        line = lines.get(("layers", layer))
        if fields is None:
            answers.add(layer, FIELDS[0], None, line)
            continue
        if not isinstance(fields, dict):
            raise AnswersError(answers.file, "must be a mapping of fields (out_shape, params, "
                                             f"macs, rf), got {describe(fields)}", line, layer)
        for field, value in fields.items():
            answers.add(layer, field, value, lines.get(("layers", layer, field), line))


def _shape_of(doc) -> str:
    """What an answers document that is not ``layers: {...}`` holds instead, in words."""
    if not isinstance(doc, dict):
        return "the file is empty" if doc is None else f"the file is {_kind(doc)}"
    if "layers" not in doc:
        return "it has no 'layers:' key"
    layers = doc["layers"]
    return "'layers:' is empty" if layers is None else f"'layers:' is {_kind(layers)}"


def _kind(value) -> str:
    kinds = {bool: "true or false", int: "a number", float: "a number", str: "a string",
             list: "a list", dict: "a mapping"}
    return kinds.get(type(value), f"a {type(value).__name__}")


def _csv_rows(text: str, file: str) -> list[list[str]]:
    """Every row; a cell past the csv module's field limit (131,072 characters) or a broken quote
    is refused with the line it reached."""
    reader = csv.reader(io.StringIO(text))
    try:
        return list(reader)
    except csv.Error as exc:
        problem = (f"a cell longer than {csv.field_size_limit():,} characters; answers are short "
                   f"numbers and shapes" if "field limit" in str(exc) else f"not valid CSV ({exc})")
        raise AnswersError(file, problem, reader.line_num) from None


def _read_csv(text: str, answers: Answers) -> None:
    rows = _csv_rows(text, answers.file)
    if not rows or [c.strip() for c in rows[0]][:1] != ["layer"]:
        raise AnswersError(answers.file, "not an answers CSV: the header must be "
                                         "'layer,field,value' or 'layer,out_shape,params,macs,rf'", 1)
    header = [c.strip() for c in rows[0]]
    long_form = header == ["layer", "field", "value"]
    for c in header[1:] if not long_form else []:
        if c not in FIELDS:
            raise AnswersError(answers.file, f"unknown column {quoted(c)}{suggest(c, FIELDS)}", 1)
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise AnswersError(answers.file, f"expected {len(header)} cells, got {len(row)}", number)
        cells = [c.strip() for c in row]
        pairs = [(cells[1], cells[2])] if long_form else list(zip(header[1:], cells[1:]))
        for field, value in pairs:
            answers.add(cells[0], field, value, number)


def template(profile: ModelProfile) -> str:
    """A YAML answers file with every field empty and comments that say what each counts."""
    spec = profile.spec
    head = [f"# Answers for {spec.name}: {spec.title}".rstrip(": "),
            f"# Input {fmt_shape(profile.input)}, batch axis excluded. Fill any fields, "
            f"leave the rest empty,", f"# then run: archlens check {spec.name} THIS_FILE", "#"]
    head += [f"#   {f + ':':<10} {FIELD_HELP[f]}" for f in FIELDS]
    body = ["layers:"]
    for lp in profile.layers:
        body.append(f"  {lp.name}:  # {lp.kind}")
        body.append(f"    out_shape:   # {'[C, H, W]' if len(lp.out_shape) == 3 else '[features]'}")
        body += ["    params:", "    macs:"]
        body.append("    rf:" if lp.rf is not None else "    rf:          # none (no spatial field)")
    return "\n".join(head + body) + "\n"


def write_template(profile: ModelProfile, path, force: bool = False, inputs=()) -> Path:
    """Write ``template`` atomically (temp file + os.replace); refuse to overwrite unless forced,
    and refuse ``inputs`` (the spec file) even then."""
    path = check_output(path, inputs, force, "--template")
    return write_text_atomically(path, template(profile))

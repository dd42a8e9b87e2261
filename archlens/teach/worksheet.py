"""Hand-calculation worksheets: per layer, each quantity's formula, working and result.

Every line comes from a kind's own ``Calc`` rules (``params``, ``macs``, ``shape_calc``,
``rf_calc``) and every result from the profile, so a worksheet cannot drift from the table.
The expected answers (``expected``) are what ``archlens check`` marks against.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from archlens.core.geometry import RF, Calc, fmt_shape
from archlens.core.kinds import get_kind
from archlens.core.profile import LayerProfile, ModelProfile
from archlens.spec.model import INPUT

FIELDS = ("out_shape", "params", "macs", "rf")           # answer-file names, in order
FIELD_OPTIONS = {"shape": "out_shape", "params": "params", "macs": "macs", "rf": "rf"}
QUANTITY = {"out_shape": "output shape", "params": "parameters", "macs": "MACs",
            "rf": "receptive field"}
LONG_NET = 12  # more layers than this: group the worksheet by stage


@dataclass(frozen=True)
class Line:
    """One worked line: ``symbol = formula = working = value``."""
    symbol: str   # LaTeX, e.g. "H_{out}" or "P"
    calc: Calc


@dataclass(frozen=True)
class Item:
    field: str                # one of FIELDS
    lines: tuple[Line, ...]   # empty where the quantity does not exist (no receptive field)
    answer: str               # the result as an answer would be written: "64x224x224", "1792"
    note: str = ""            # a convention that applies, in words


@dataclass(frozen=True)
class SheetLayer:
    name: str
    kind: str
    in_shapes: tuple
    out_shape: tuple
    example: bool             # first layer of its kind: fully worked
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Stage:
    title: str
    layers: tuple[SheetLayer, ...]


@dataclass(frozen=True)
class Worksheet:
    spec: str
    title: str
    input: tuple
    fields: tuple[str, ...]
    stages: tuple[Stage, ...]

    @property
    def layers(self) -> list[SheetLayer]:
        return [layer for stage in self.stages for layer in stage.layers]


def parse_fields(text: str) -> tuple[str, ...]:
    """'shape,params' -> ('out_shape', 'params'); unknown names raise a one-line error."""
    from archlens.errors import ArchlensError, quoted
    from archlens.core.kinds.args import suggest
    names = [t.strip() for t in text.split(",") if t.strip()]
    for name in names:
        if name not in FIELD_OPTIONS:
            raise ArchlensError(f"--fields: unknown field {quoted(name)}{suggest(name, FIELD_OPTIONS)} "
                                f"(fields: {', '.join(FIELD_OPTIONS)})")
    if not names:
        raise ArchlensError("--fields: give at least one of " + ", ".join(FIELD_OPTIONS))
    return tuple(f for f in FIELDS if f in {FIELD_OPTIONS[n] for n in names})


def rf_text(size) -> str:
    """Receptive-field answer text: '5' for a square field, '5x7' otherwise, 'none'."""
    if size is None:
        return "none"
    h, w = (_plain(v) for v in size)
    return h if h == w else f"{h}x{w}"


def _plain(v) -> str:
    v = Fraction(v)
    return str(v.numerator) if v.denominator == 1 else str(v)


def expected(lp: LayerProfile) -> dict[str, str]:
    """The right answer to each field, as canonical answer text (see answers.canonical)."""
    return {"out_shape": fmt_shape(lp.out_shape), "params": str(lp.params.total),
            "macs": str(lp.macs.value), "rf": rf_text(lp.rf.size if lp.rf else None)}


def input_rfs(p: ModelProfile, lp: LayerProfile) -> list[RF | None]:
    """Receptive fields of a layer's inputs, as the profile computed them."""
    rfs = {layer.name: layer.rf for layer in p.layers}
    rfs[INPUT] = RF.identity() if len(p.input) == 3 else None
    return [rfs[s] for s in lp.inputs]


def _params_item(lp: LayerProfile) -> Item:
    w, b = lp.params.weight, lp.params.bias
    if lp.params.total == 0:
        return Item("params", (Line("P", Calc(0, "0", r"\text{no learnable parameters}")),), "0")
    calc = w + b if b.value else w
    note = "" if b.value else "this layer has no bias"
    return Item("params", (Line("P", calc),), str(lp.params.total), note)


def _macs_item(lp: LayerProfile) -> Item:
    if lp.macs.value == 0:
        calc = Calc(0, "0", r"\text{no multiply-accumulates (MACs count conv/linear only)}")
        return Item("macs", (Line(r"\mathrm{MACs}", calc),), "0")
    return Item("macs", (Line(r"\mathrm{MACs}", lp.macs),), str(lp.macs.value))


def _merge_square(lines: list[Line]) -> tuple[Line, ...]:
    """Show H and W once where their working is identical (square layers)."""
    h, w = (lines[-2].calc, lines[-1].calc) if len(lines) >= 2 else (None, None)
    if h is not None and (h.value, h.working) == (w.value, w.working):
        both = Line(f"{lines[-2].symbol} = {lines[-1].symbol}", h)
        return tuple(lines[:-2]) + (both,)
    return tuple(lines)


def _shape_item(p: ModelProfile, lp: LayerProfile, args) -> Item:
    kind = get_kind(lp.kind)
    calcs = kind.shape_calc(args, list(lp.in_shapes), lp.out_shape)
    names = ["C", "H", "W"] if len(lp.out_shape) == 3 else ["F"] * len(lp.out_shape)
    lines = [Line(f"{n}_{{out}}", c) for n, c in zip(names, calcs)]
    facts = [Line(symbol, c) for symbol, c in
             kind.worked_facts(args, list(lp.in_shapes), input_rfs(p, lp))]
    return Item("out_shape", _merge_square(lines) + _merge_square(facts), fmt_shape(lp.out_shape))


def _rf_item(p: ModelProfile, lp: LayerProfile, args) -> Item:
    calcs = get_kind(lp.kind).rf_calc(args, input_rfs(p, lp), lp.rf)
    lines = [Line(f"r_{ax}", c) for ax, c in zip("hw", calcs)]
    note = "" if lp.rf else "no receptive field: spatial correspondence ends here (answer none)"
    return Item("rf", _merge_square(lines), rf_text(lp.rf.size if lp.rf else None), note)


def sheet_layer(p: ModelProfile, lp: LayerProfile, fields, example: bool) -> SheetLayer:
    args = p.spec.layer(lp.name).args
    make = {"out_shape": lambda: _shape_item(p, lp, args), "params": lambda: _params_item(lp),
            "macs": lambda: _macs_item(lp), "rf": lambda: _rf_item(p, lp, args)}
    return SheetLayer(lp.name, lp.kind, lp.in_shapes, lp.out_shape, example,
                      tuple(make[f]() for f in fields))


def _stages(p: ModelProfile, layers: list[SheetLayer]) -> tuple[Stage, ...]:
    """Stages end after each layer that shrinks the feature map; flat layers form the head."""
    if len(layers) <= LONG_NET:
        return (Stage("", tuple(layers)),)
    stages, current = [], []
    for layer in layers:
        flat = len(layer.out_shape) == 1
        if flat and current and len(current[-1].out_shape) == 3:
            stages.append(current)
            current = []
        current.append(layer)
        if not flat and _shrinks(layer):
            stages.append(current)
            current = []
    stages.append(current)
    return tuple(Stage(_stage_title(i, s), tuple(s)) for i, s in enumerate(stages, 1) if s)


def _shrinks(layer: SheetLayer) -> bool:
    ins = layer.in_shapes[0]
    return len(ins) == 3 and any(o < i for o, i in zip(layer.out_shape[1:], ins[1:]))


def _stage_title(i: int, layers: list[SheetLayer]) -> str:
    first = layers[0]
    if len(first.out_shape) == 1:
        return "Head (flat features)"
    size = fmt_shape(first.in_shapes[0][1:]) if len(first.in_shapes[0]) == 3 else ""
    return f"Stage {i} (input {size})" if size else f"Stage {i}"


def build_worksheet(p: ModelProfile, fields=FIELDS) -> Worksheet:
    """The worksheet of a profile; the first layer of each kind is the worked example."""
    seen, layers = set(), []
    for lp in p.layers:
        layers.append(sheet_layer(p, lp, fields, lp.kind not in seen))
        seen.add(lp.kind)
    return Worksheet(p.spec.name, p.spec.title, p.input, tuple(fields), _stages(p, layers))

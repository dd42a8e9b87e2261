"""What a trained number on the site was measured on, said where the number stands.

The quick recipes train small copies of the networks (a width multiplier on every layer's
channels) on generated shapes at 32-128 px with a few hundred to a few thousand samples, so
their accuracy or mAP is no claim about the paper's model on ImageNet or PASCAL VOC (issue 17).
``setup`` reads the facts from a run's ``metrics.json``; ``label`` writes them as one sentence.
"""
from __future__ import annotations

from fractions import Fraction

from archlens.data.shapes import CLASS_NAMES, SHAPE_NAMES
from archlens.render import units


def _class_names(metrics: dict) -> list[str]:
    """The run's class names; runs recorded before they were written get the generator's."""
    if metrics.get("classes"):
        return [str(c) for c in metrics["classes"]]
    source, n = str(metrics.get("data", "")), metrics.get("num_classes")
    if source.startswith("synthetic shapes scenes") and n == len(CLASS_NAMES):
        return list(CLASS_NAMES)
    if source.startswith("synthetic shapes") and n == len(SHAPE_NAMES):
        return list(SHAPE_NAMES)
    return []


def setup(metrics: dict) -> dict:
    """Width multiplier, input, data source, sample counts and class names of one run."""
    config = metrics.get("config") or {}
    data = config.get("data") or {}
    return {"width": config.get("width"), "input": config.get("input"),
            "data": metrics.get("data"), "n_train": data.get("n_train"), "n_val": data.get("n_val"),
            "num_classes": metrics.get("num_classes"), "classes": _class_names(metrics)}


def _copy(w) -> str:
    if w in (None, 1, 1.0):
        return "Trained at full width"
    frac = Fraction(w).limit_denominator(64)
    name = f"1/{frac.denominator}" if frac.numerator == 1 else f"{float(w):g}"
    return f"Trained as a width-{name} copy of this network (every layer's channels x {float(w):g})"


def _data(source: str) -> str:
    """'synthetic shapes (seed 0)' -> 'generated data (synthetic shapes, seed 0)'."""
    if source.startswith("synthetic"):
        return "generated data (" + source.replace(" (", ", ").rstrip(")") + ")"
    return source


def label(s: dict | None, spec_input=None) -> str:
    """'Trained as a width-1/8 copy of this network (...) at input 3x32x32, on generated data
    (synthetic shapes, seed 0): 4,000 training and 600 validation samples, 3 classes (circle,
    square, triangle).' Every fact the run recorded, none invented."""
    if not s:
        return "Trained with the quick recipe's small setup (the run did not record its settings)."
    text = _copy(s.get("width"))
    shape = s.get("input") or spec_input
    if shape:
        text += f" at input {units.shape(tuple(shape))}"
    if s.get("data"):
        text += f", on {_data(str(s['data']))}"
    counts = [f"{units.count(s[k])} {what}" for k, what in (("n_train", "training"), ("n_val", "validation"))
              if s.get(k) is not None]
    facts = [" and ".join(counts) + " samples"] if counts else []
    classes = s.get("classes") or []
    if classes:
        facts.append(f"{len(classes)} classes ({', '.join(classes)})")
    elif s.get("num_classes"):
        facts.append(f"{s['num_classes']} classes")
    return text + (": " + ", ".join(facts) if facts else "") + "."

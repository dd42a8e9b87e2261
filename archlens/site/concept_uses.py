"""Which concept pages explain a model, in one table, and the links both ways.

``USES`` is the one home of the mapping: a row names a concept page and what in a spec makes it
relevant, by a kind's trait (``windowed``), a kind's name where no trait says it, the spec's
task, or a part of its training recipe. Each model page lists the concept pages its spec
matches (``concepts_section``); each concept page lists the models of the same site that match
it, with links to their worksheets and exercise pages (``models_section``), so a site built
from a course's own specs links only to the pages it has.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from archlens.core.kinds import get_kind
from archlens.site import mdtext as md
from archlens.site.mdtext import slug as page_slug
from archlens.site.worksheet_section import exercise_link, worksheet_link
from archlens.spec.model import Spec


@dataclass(frozen=True)
class Use:
    concept: str   # the concept page's slug (concepts.PAGES)
    by: str        # "trait" (a kind's boolean trait), "kind" (a kind name), "task" or "recipe"
    key: str       # the trait, kind name, task, or recipe part ("loss", "optimizer")
    why: str       # what that page explains about it


USES = (
    Use("convolution", "trait", "windowed", "convolution and pooling windows: size, stride, padding"),
    Use("neural-networks", "trait", "fully_connected", "fully connected layers and backpropagation"),
    Use("segmentation", "task", "segmentation", "labelling every pixel"),
    Use("segmentation", "kind", "conv_transpose", "transposed convolution (learned upsampling)"),
    Use("segmentation", "kind", "upsample", "upsampling a coarse map back to the input size"),
    Use("segmentation", "trait", "reference_input", "cropping a map to a reference"),
    Use("detection", "task", "detection", "regions, IoU, non-maximum suppression, mean AP"),
    Use("detection", "trait", "spatial_pyramid", "spatial pyramid pooling (SPPNet)"),
    Use("generalization", "kind", "dropout", "dropout and overfitting"),
    Use("losses", "recipe", "loss", "the loss its training recipe minimises"),
    Use("optimization", "recipe", "optimizer", "the optimizer of its training recipe"),
)

# the loss each task trains with (train/tasks/), named for the "losses" row
TASK_LOSS = {"regression": "mean squared error", "classification": "cross-entropy",
             "segmentation": "per-pixel cross-entropy",
             "detection": "cross-entropy fine-tuning, then hinge-loss SVMs"}
CONCEPT_TEMPLATES = Path(__file__).resolve().parent / "templates" / "concepts"   # package data
SHOWN_LAYERS = 4   # layer names quoted per row before "and N more"


def _layers(spec: Spec, use: Use) -> list[str]:
    if use.by == "kind":
        return [l.name for l in spec.layers if l.kind == use.key]
    return [l.name for l in spec.layers if getattr(get_kind(l.kind), use.key)]


def _optimizers(spec: Spec) -> list[str]:
    from archlens.spec.recipes import TrainConfig, parse_record
    names = {parse_record(TrainConfig, raw, f"train.{n}").optimizer.name
             for n, raw in spec.train.items()}
    return sorted({"sgd": "SGD with momentum", "adam": "Adam"}.get(n, n) for n in names)


def _detail(spec: Spec, use: Use) -> str | None:
    """Why ``use`` applies to ``spec`` (plain text), or None where it does not."""
    if use.by == "task":
        return f"a {spec.task} model" if spec.task == use.key else None
    if use.by == "recipe":
        if not spec.train:
            return None
        if use.key == "loss":
            return f"trained with {TASK_LOSS.get(spec.task, 'its task loss')}"
        return "trained with " + " and ".join(_optimizers(spec))
    names = _layers(spec, use)
    if not names:
        return None
    more = f" and {len(names) - SHOWN_LAYERS} more" if len(names) > SHOWN_LAYERS else ""
    return ", ".join(names[:SHOWN_LAYERS]) + more


def concept_rows(spec: Spec) -> dict[str, list[str]]:
    """{concept slug: the reasons it applies, '<why>: <detail>'}, in ``USES`` order."""
    rows: dict[str, list[str]] = {}
    for use in USES:
        detail = _detail(spec, use)
        if detail is not None:
            rows.setdefault(use.concept, []).append(f"{use.why} ({detail})")
    return rows


def concept_title(concept: str) -> str:
    """The page's own heading, read from its template (importing ``concepts`` would load the
    figures and torch for a title)."""
    text = (CONCEPT_TEMPLATES / f"{concept}.md.j2").read_text(encoding="utf-8")
    return next(line[2:].strip() for line in text.splitlines() if line.startswith("# "))


def concepts_section(d) -> str | None:
    """``## Concepts``: the concept pages that explain this model, each with why."""
    rows = concept_rows(d.spec)
    if not rows:
        return None
    lines = [f"- [{md.text(concept_title(c))}](../concepts/{c}.md): {md.text('; '.join(why))}"
             for c, why in rows.items()]
    return "\n".join(["## Concepts", "", "The concept pages that explain this model's layers "
                      "and training:", "", *lines])


def model_uses(specs) -> dict[str, list[tuple[str, str, str]]]:
    """{concept slug: [(page slug, spec name, reasons)]} for the site's specs."""
    uses: dict[str, list[tuple[str, str, str]]] = {}
    for spec in specs:
        for concept, why in concept_rows(spec).items():
            uses.setdefault(concept, []).append((page_slug(spec.name), spec.name, "; ".join(why)))
    return uses


def models_section(concept: str, uses: dict) -> str:
    """The end of a concept page: this site's models that use it, with their worksheets."""
    found = uses.get(concept, [])
    if not found:
        return ""
    rows = [[f"[{md.text(name)}](../models/{s}.md)", md.text(why),
             f"[worksheet]({worksheet_link(s)})", f"[exercise]({exercise_link(s)})"]
            for s, name, why in found]
    return "\n".join(["", "## Models on this site that use it", "",
                      "Each model's page, its worksheet (worked answers folded away) and its "
                      "exercise mode (no answers in the page):", "",
                      md.table(["model", "where", "worksheet", "exercise"], rows), ""])

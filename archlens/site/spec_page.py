"""One Markdown page per spec, assembled from small independent sections.

A section is a function ``(PageData) -> str | None``; it returns None when its data does not
exist (no receptive field, no training run, not a detection spec), so pages grow as features
land without any section knowing about the others. ``SECTIONS`` sets their order.
Every spec-supplied string passes through ``mdtext.text``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from archlens.core.memory import memory
from archlens.core.profile import ModelProfile
from archlens.render import units
from archlens.render.diagram import diagram_svgs
from archlens.render.formats import CONVENTIONS, at_least, number_style
from archlens.site import charts
from archlens.site.detection_page import detection_section
from archlens.site.fcn_page import convolutionalization_section, field_phases_sentence
from archlens.site.memory_page import memory_checks_md, memory_section
from archlens.site.spp_page import spp_rules_section
from archlens.site.spec_source import spec_yaml_section
from archlens.site.worksheet_section import worksheet_section
from archlens.site.concept_uses import concepts_section
from archlens.site import mdtext as md
from archlens.site import runlabel
from archlens.files import write_if_changed
from archlens.site.figures import figure_width, write_figure
from archlens.spec.model import Spec
from archlens.spec.load import is_bundled


SAFE_NAME = re.compile(r"[A-Za-z0-9_-]+")  # shown verbatim in a code span


@dataclass
class PageData:
    spec: Spec
    profile: ModelProfile
    slug: str
    out_dir: Path                     # the folder the page is written into
    crosscheck: dict | None = None    # results.crosscheck
    training: dict | None = None      # results.training
    cache_dir: Path | None = None     # where sections may cache their own expensive checks
    written: list[Path] = field(default_factory=list)

    @property
    def fig_dir(self) -> Path:
        return self.out_dir / "figures" / self.slug

    def figure(self, stem: str, draw, alt: str, caption: str) -> str:
        """Write a light/dark chart and return its Markdown."""
        paths = write_figure(draw, self.fig_dir, stem)
        self.written += paths
        return md.figure_md(f"figures/{self.slug}/{stem}", alt, caption, figure_width(paths))


def weighted_depth(p: ModelProfile) -> int:
    """Layers that carry weights or do multiply-accumulates (the 16 of VGG-16)."""
    return sum(1 for lp in p.layers if lp.params.total or lp.macs.value)


def last_rf(p: ModelProfile):
    """The last layer that still has a receptive field, or None."""
    return next((lp for lp in reversed(p.layers) if lp.rf is not None and len(lp.out_shape) == 3), None)


def _published(p: ModelProfile, key: str, value: int) -> str:
    expected = p.spec.expected.get(key)
    if not isinstance(expected, int):
        return ""
    verdict = "matches" if expected == value else f"differs from the published {units.count(expected)}"
    return f" — {verdict} the figure the spec transcribes" if expected == value else f" — {verdict}"


AXES = {1: "features", 2: "channels x length", 3: "channels x height x width"}   # of one sample


def _layers(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def header(d: PageData) -> str:
    s, p, t = d.spec, d.profile, d.profile.totals
    rf, mem = last_rf(p), memory(p)
    classes = f", {s.num_classes} classes" if s.num_classes else ""
    rows = [
        ["spec", f"`{s.name}`" if SAFE_NAME.fullmatch(s.name) else md.text(s.name)],
        ["source", md.text(s.source) or "not given"],
        ["task", md.text(s.task) + classes],
        ["input", f"{units.shape(p.input)} ({AXES.get(len(p.input), 'per sample')}, batch excluded)"],
        ["depth", f"{_layers(weighted_depth(p), 'weighted layer')} ({_layers(len(p.layers), 'layer')} in all)"],
        ["parameters", units.count(t.params) + _published(p, "params", t.params)
         + (f"; {units.count(t.frozen_params)} frozen" if t.frozen_params else "")],
        ["MACs", f"{at_least(t, t.macs)} ({units.si_unit(t.macs, 'MAC')})" + _published(p, "macs", t.macs)],
        ["FLOPs", f"{at_least(t, t.flops)} ({units.si_unit(t.flops, 'FLOP')})"],
        *([["opaque layers", f"{', '.join(md.text(n) for n in t.uncounted)}: ops archlens has no "
            f"kind for (imported with --allow-unknown); their MACs and FLOPs are unknown, so the "
            f"totals are lower bounds"]] if t.uncounted else []),
        ["receptive field", f"{units.field(rf.rf)} px at {md.text(rf.name)}" if rf else "none (no spatial layers)"],
        ["layer outputs, added", f"{units.mib_unit(t.activation_bytes)} ({p.dtype}, batch 1; "
         f"not the memory torch uses: see Memory)"],
        ["inference peak", f"{units.mib_unit(mem.peak_bytes)} (live tensors at once, batch 1)"],
        ["saved for backward", f"{units.mib_unit(mem.saved_bytes)} (kept by autograd, batch 1)"],
    ]
    parts = [f"# {md.text(s.title or s.name)}", "", md.text(s.description), "",
             md.table(["fact", "value"], rows), ""]
    if (phased := field_phases_sentence(p)) is not None:
        parts += [phased, ""]
    if s.extra.get("notes"):
        parts += ['!!! note "Notes"', "", md.indent(md.text(s.extra["notes"])), ""]
    parts.append(f"<small>Conventions: {md.text(CONVENTIONS.format(dtype=p.dtype))}.</small>")
    return "\n".join(parts)


def diagram(d: PageData) -> str:
    paths = []
    for name, svg in diagram_svgs(d.profile).items():
        paths.append(d.fig_dir / f"architecture-{name}.svg")
        write_if_changed(paths[-1], svg)
    d.written += paths
    caption = ("Each box: layer (kind) with the shape-keeping layers folded into it; output shape "
               "and receptive field; parameters and MACs. Dashed edges are skips and references.")
    return "## Architecture\n\n" + md.figure_md(f"figures/{d.slug}/architecture",
                                             f"architecture of {md.text(d.spec.name)}", caption,
                                             figure_width(paths))


def layer_table(d: PageData) -> str:
    style = number_style(d.profile)
    head = ["layer", "kind", "output", "params", "MACs", "FLOPs", "out MiB", "live MiB",
            "saved MiB", "RF", "jump", "start"]
    mem = memory(d.profile)
    rows = [[md.text(lp.name), md.text(lp.kind), units.shape(lp.out_shape),
             units.count(lp.params.total) + (" (frozen)" if lp.frozen and lp.params.total else ""),
             *((units.count(lp.macs.value), units.count(lp.flops.value)) if lp.counted
               else ("unknown", "unknown")), units.mib(lp.activation_bytes),
             units.mib(lm.live_bytes), units.mib(lm.saved_bytes),
             *((units.field(lp.rf, style), units.axes(lp.rf.jump, style), units.axes(lp.rf.start, style))
               if lp.rf else ("none", "-", "-"))] for lp, lm in zip(d.profile.layers, mem.layers)]
    t = d.profile.totals
    rows.append(["**total**", "", "", f"**{units.count(t.params)}**", f"**{at_least(t, t.macs)}**",
                 f"**{at_least(t, t.flops)}**", f"**{units.mib(t.activation_bytes)}**",
                 f"**peak {units.mib(mem.peak_bytes)}**", f"**{units.mib(mem.saved_bytes)}**",
                 "", "", ""])
    note = ("*out*: the layer's output size; *live*: live tensors at the layer's fullest moment "
            "at inference; *saved*: bytes autograd keeps for backward that no earlier layer "
            "keeps already (MiB, batch 1).")
    return "## Layers\n\n" + note + "\n\n" + md.table(head, rows, "lllrrrrrrrrr")


def cost_charts(d: PageData) -> str:
    parts = ["## Where the parameters and the work are", "",
             d.figure("layer-costs", charts.layer_costs(d.profile), "parameters and MACs per layer",
                      "Share of the model's parameters (top) and MACs (bottom) in each weighted layer.")]
    growth = charts.rf_growth(d.profile)
    if growth is not None:
        parts += ["", d.figure("rf-growth", growth, "receptive field growth",
                               "Receptive-field size after each layer, in input pixels.")]
    return "\n".join(parts)


def rf_section(d: PageData) -> str | None:
    from archlens.site.rf_page import rf_explorer_section
    return rf_explorer_section(d.profile)


def _peer_cell(row: dict, peer: str) -> str:
    found = row.get(peer)
    if found is None:
        return "-"
    diff = found["measured"] - row["macs"]
    mark = "" if found["measured"] == found["predicted"] else " **unexplained**"
    return units.count(found["measured"]) + (f" ({units.signed(diff)})" if diff else "") + mark


def crosscheck_section(d: PageData) -> str | None:
    cc = d.crosscheck
    if cc is None:
        return None
    verdict = (f"All {cc['checks']} checks pass" if cc["ok"]
               else f"**{cc['failures']} of {cc['checks']} checks fail**")
    reasons: dict[tuple[str, str], list[str]] = {}
    for row in cc["rows"]:
        for peer in ("torchinfo", "fvcore"):
            if peer in row and row[peer]["measured"] != row["macs"]:
                reasons.setdefault((peer, row[peer]["reason"]), []).append(row["layer"])
    why = [f"- **{peer}** ({len(layers)} layers, e.g. {md.text(', '.join(layers[:4]))}): "
           f"{md.text(reason)}" for (peer, reason), layers in sorted(reasons.items())]
    head = ["layer", "params", "trainable", "shape", "MACs", "RF", "live", "saved",
            "torchinfo mult-adds", "fvcore flops"]
    ok = {True: "ok", False: "**FAIL**"}
    rows = [[md.text(r["layer"]), *(ok[r["torch"][q]] if q in r["torch"] else "-"
                                    for q in ("params", "trainable", "shape", "macs", "rf",
                                              "live bytes", "saved bytes")),
             _peer_cell(r, "torchinfo"), _peer_cell(r, "fvcore")] for r in cc["rows"]]
    return "\n".join([
        "## Cross-check against torch, torchinfo and fvcore", "",
        f"{verdict} at {units.shape(cc['input'])} (`archlens verify`, {cc['when']}, "
        f"{units.seconds(cc['seconds'])}). Parameters, trainable parameters, output shapes and MACs "
        "are compared with the built PyTorch model (MACs via `FlopCounterMode`, halved); receptive "
        "fields with the input-gradient footprint of a centre unit. torchinfo and fvcore count by "
        "their own conventions; where their number differs from our MACs the reason is:", "",
        *(why or ["- no peer differs from our MACs."]), "", *memory_checks_md(cc),
        '??? abstract "Every layer"', "", md.indent(md.table(head, rows, "lllllllrrr"))])


METRIC_MEANING = {   # what each final metric of a run counts (all on held-out validation data)
    "val_loss": "loss on the validation data (MSE or cross-entropy, as trained)",
    "accuracy": "fraction of validation samples classified right",
    "miou": "mean over classes of intersection over union of the pixel labels",
    "pixel_accuracy": "fraction of validation pixels labelled right",
    "map50": "VOC mean average precision at IoU 0.5 (all-point interpolation)",
    "slope": "fitted weight w of y = w x + b",
    "intercept": "fitted bias b of y = w x + b",
}
DETECTION_ACCURACY = "fraction of validation regions the fine-tuned network classifies right"


def metric_meaning(key: str, task: str) -> str:
    if key.startswith("ap_class"):
        return f"average precision at IoU 0.5 of class id {key.removeprefix('ap_class')}"
    if key == "accuracy" and task == "detection":
        return DETECTION_ACCURACY
    return METRIC_MEANING.get(key, "")


def _origin(tr: dict) -> str:
    """Where the run comes from, for the Reproduce fold (developer facts, not for the student)."""
    if tr["origin"] == "built":
        text = (f"Trained by `archlens site` ({tr.get('command', 'archlens train --quick')}) on "
                f"{tr['when']}; cached by spec content, so the next build reuses it")
    else:
        text = f"Read from the run recorded with archlens ({md.text(tr['file'])}), {md.text(tr['when'])}"
    if tr.get("precision") == "bf16":
        text += (". Forward passes ran under bfloat16 autocast (mixed precision: weights, "
                 "gradients and optimizer state in float32; the recipe's `precision: auto`)")
    return text + "."


def training_section(d: PageData) -> str | None:
    tr = d.training
    if tr is None:
        return None
    # a recipe without `input:` trains at the spec's own input (named for images only)
    what = runlabel.label(tr.get("setup"), d.profile.input if len(d.profile.input) == 3 else None)
    final = [[md.text(k), units.decimal(v) if isinstance(v, float) else md.text(v),
              md.text(metric_meaning(k, d.spec.task))]
             for k, v in sorted(tr["final"].items())]
    width = (tr.get("setup") or {}).get("width")
    small = width is not None and width < 1
    parts = [f"## Training results: {'a small copy ' if small else ''}on generated data (quick recipe)", "",
             f"**{md.text(what)}** These numbers show that the built network trains; they are not "
             + ("the paper's results, which come from the full-size network on its own data set."
                if small else "results on any real data set."), ""]
    if final:
        parts += [md.table(["final metric (small copy)", "value", "what it counts (validation data)"],
                           final, "lrl"), ""]
    curves = charts.training_curves(tr["history"])
    if curves is not None:
        parts += [d.figure("training", curves, "training curves of the small copy",
                           f"Metrics per epoch. {md.text(what)}"), ""]
    parts += ['??? note "Reproduce"', "", md.indent(_origin(tr)), ""]
    return "\n".join(parts).rstrip()


def usage(d: PageData) -> str:
    s = d.spec
    ref = s.name if is_bundled(s) else s.where
    cli = [f"archlens profile {ref}", f"archlens verify {ref}",
           f"archlens worksheet {ref} --template answers.yaml", f"archlens check {ref} answers.yaml"]
    if s.train:
        cli.append(f"archlens train {ref} --quick")
    py = "\n".join(["import archlens", "", f"spec = archlens.load_spec({ref!r})",
                    "model = archlens.build_model(spec)      # a torch.nn.Module",
                    "p = archlens.profile(spec)              # exact per-layer analysis, no torch",
                    "print(p.totals.params, p.totals.macs)",
                    "report = archlens.verify(spec)          # analytic vs torch, torchinfo, fvcore",
                    "assert report.ok"])
    return "\n".join(["## Build it yourself", "", "From the command line:", "",
                      md.code_block("\n".join(cli), "bash"), "", "From Python:", "",
                      md.code_block(py, "python")])


Section = Callable[[PageData], "str | None"]
# Feature sections (detection stages, convolutionalization) live in their own modules.
SECTIONS: list[Section] = [header, concepts_section, diagram, layer_table, memory_section,
                           cost_charts, rf_section, detection_section, spp_rules_section,
                           convolutionalization_section, crosscheck_section,
                           worksheet_section, training_section, spec_yaml_section, usage]


def render_page(d: PageData) -> str:
    parts = [text for section in SECTIONS if (text := section(d)) is not None]
    return "\n\n".join(parts).rstrip() + "\n"

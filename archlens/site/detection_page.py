"""Detection sections of a spec page: the stage diagram ("runs once" / "runs N times"),
the per-image stage table and the cost against the number of proposals.

Rendered only for specs with a ``detection:`` section (R-CNN, SPPNet); numbers come from
``archlens.detection.profile_stages`` (pure arithmetic, no torch).
"""
from __future__ import annotations

from archlens.render import units
from archlens.site import charts
from archlens.site import mdtext as md
from archlens.files import write_if_changed
from archlens.site.figures import figure_width

METHODS = {"rcnn": "R-CNN", "sppnet": "SPPNet"}
PROPOSALS = (50, 250, 500, 1000, 1500, 2000, 2500, 3000)  # R-CNN uses ~2000 (Sec. 2.1)


def _curve(spec) -> tuple[list[int], list[int]]:
    from archlens.detection.profile_stages import profile_stages
    return list(PROPOSALS), [profile_stages(spec, n).totals.macs for n in PROPOSALS]


def _peers(spec) -> dict:
    """This spec's curve, and those of the other bundled detection specs for comparison."""
    from archlens.spec.load import bundled_specs, load_spec
    curves = {spec.name: _curve(spec)}
    for name in bundled_specs():
        other = load_spec(name)
        if name != spec.name and "detection" in other.extra:
            curves[name] = _curve(other)
    return curves


def _stage_table(p) -> str:
    head = ["stage", "runs", "MACs per run", "MACs per image", "note"]
    rows = [[md.text(s.name), units.count(s.runs), units.count(s.macs), units.count(s.macs_total),
             md.text(s.note)] for s in p.stages]
    t = p.totals
    rows.append(["**total**", "", "", f"**{units.count(t.macs)}**",
                 f"{units.si_unit(t.macs, 'MAC')} per image; {units.count(t.params)} parameters"])
    return md.table(head, rows, "lrrrl")


def _balance(p) -> str:
    """Which stage does the arithmetic, per image: SPPNet's shared convolutions against its
    per-region fc layers (cheap in GPU time, Sec. 4 of He et al., not in MACs)."""
    names = {s.name for s in p.stages}
    if not p.config.shares_convolutions or not {"conv", "fc"} <= names:
        return ""
    conv, fc = p.stage("conv"), p.stage("fc")
    if not fc.macs:
        return ""
    mac = lambda n: units.si_unit(n, "MAC")  # noqa: E731
    return (f"In MACs the per-region fc layers are not cheap: at N = {units.count(p.proposals)} they do "
            f"{mac(fc.macs_total)} per image against {mac(conv.macs_total)} for the shared "
            f"convolutions, and they overtake them from about N = {units.count(round(conv.macs_total / fc.macs))}. "
            "What SPPNet saves is R-CNN's repeated convolutions; its fc layers are cheap in time on a GPU, "
            "where the fc work of all regions is one large matrix product "
            "([Detection, \"Where the work goes after sharing\"](../concepts/detection.md#where-the-work-goes-after-sharing)).")


def detection_section(d) -> str | None:
    if "detection" not in d.spec.extra:
        return None
    from archlens.detection.profile_stages import profile_stages
    from archlens.render.stage_diagram import stage_svgs
    p = profile_stages(d.spec)
    paths = []
    for name, svg in stage_svgs(p).items():
        paths.append(d.fig_dir / f"stages-{name}.svg")
        write_if_changed(paths[-1], svg)
    d.written += paths
    method = ("the whole CNN runs once per region" if not p.config.shares_convolutions
              else "the convolutions run once per image; pyramid pooling and fc layers once per region")
    return "\n".join([
        "## Detection pipeline, per image", "",
        f"{METHODS.get(p.config.method, md.text(p.config.method))}: {method}. Image {units.shape(p.image)}, "
        f"N = {units.count(p.proposals)} proposals (`archlens profile {d.spec.name} --proposals N`).", "",
        md.figure_md(f"figures/{d.slug}/stages", "detection stages",
                     "Each stage with its input, its cost per run, and how often it runs per image.",
                     figure_width(paths)), "",
        _stage_table(p), "",
        *([_balance(p), ""] if _balance(p) else []),
        d.figure("cost-vs-proposals", charts.cost_vs_proposals(_peers(d.spec), d.spec.name),
                 "cost against proposals",
                 "MACs per image against the number of proposals N, this page's pipeline in bold: "
                 "R-CNN pays a whole CNN per region; SPPNet pays the convolutions once and only "
                 "the pyramid pooling and fc layers per region.")])

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


def detection_section(d) -> str | None:
    if "detection" not in d.spec.extra:
        return None
    from archlens.detection.profile_stages import profile_stages
    from archlens.render.stage_diagram import stage_svgs
    p = profile_stages(d.spec)
    for name, svg in stage_svgs(p).items():
        path = d.fig_dir / f"stages-{name}.svg"
        write_if_changed(path, svg)
        d.written.append(path)
    method = ("the whole CNN runs once per region" if not p.config.shares_convolutions
              else "the convolutions run once per image; pyramid pooling and fc layers once per region")
    return "\n".join([
        "## Detection pipeline, per image", "",
        f"{METHODS.get(p.config.method, md.text(p.config.method))}: {method}. Image {units.shape(p.image)}, "
        f"N = {units.count(p.proposals)} proposals (`archlens profile {d.spec.name} --proposals N`).", "",
        md.figure_md(f"figures/{d.slug}/stages", "detection stages",
                     "Each stage with its input, its cost per run, and how often it runs per image."), "",
        _stage_table(p), "",
        d.figure("cost-vs-proposals", charts.cost_vs_proposals(_peers(d.spec), d.spec.name),
                 "cost against proposals",
                 "MACs per image against the number of proposals N, this page's pipeline in bold: "
                 "R-CNN pays a whole CNN per region; SPPNet pays the convolutions once and only "
                 "the pyramid pooling and fc layers per region.")])

"""The receptive-field explorer: per-layer field data as JSON, plus the drawing script.

The numbers are the profile's own (``LayerProfile.rf``, the same values as the layer table);
``static/rf-explorer.js`` only draws them: a unit (i, j) of a layer has its field centred at
start + i·jump per axis and spans ``size`` input pixels (DESIGN.md, receptive field per axis).
The payload, in ``<script type="application/json" id="rf-data">``::

    {"input": {"h": H, "w": W},
     "layers": [{"layer": name, "kind": kind, "parent": name | null, "out": {"h": n, "w": n}}],
     "axes": {"h": [{"layer", "size", "jump", "start"[, "phases"]}, ...], "w": [...]}}

Exact values: an integer stays a JSON number, any other fraction is the string "p/q".
``phases`` (optional, after a transposed convolution or an upsampling) lists per output phase
the extent [lo, hi] of the input pixels reaching a unit, relative to its nominal centre
start + i·jump, or null for a phase that reads nothing: unit i has phase i mod len(phases)
(``rf.phases``, archlens.core.phases). The drawing then spans that exact extent.
"""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from pathlib import Path

from markupsafe import escape

from archlens.core.profile import LayerProfile, ModelProfile

HERE = Path(__file__).resolve().parent
AXES = ("h", "w")


def exact(value) -> int | str:
    """An exact number for JSON: an int where whole, else "p/q"."""
    f = Fraction(value)
    return f.numerator if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def spatial_layers(p: ModelProfile) -> list[LayerProfile]:
    """Layers with a receptive field and a channels x height x width output."""
    return [lp for lp in p.layers if lp.rf is not None and len(lp.out_shape) == 3]


def _axis_entry(lp: LayerProfile, axis: int) -> dict:
    rf = lp.rf
    entry = {"layer": lp.name, "size": exact(rf.size[axis]), "jump": exact(rf.jump[axis]),
             "start": exact(rf.start[axis])}
    phases = rf.phases[axis] if rf.phases is not None else None
    if phases is not None:   # after a transposed conv or upsampling: unit i has phase i mod P
        entry["phases"] = [None if e is None else [exact(e[0]), exact(e[1])] for e in phases]
    return entry


def _parent(lp: LayerProfile, shown: dict[str, str]) -> str | None:
    """The first input that is a spatial layer (the main path), as shown, or None (the image)."""
    return next((shown[name] for name in lp.inputs if name in shown), None)


def _same_field(lp: LayerProfile, parent: LayerProfile | None) -> bool:
    """An unweighted shape-keeping layer (ReLU, dropout, ...): it sees what its input sees."""
    return (parent is not None and parent.rf == lp.rf and not lp.params.total
            and not lp.macs.value
            and parent.out_shape[1:] == lp.out_shape[1:])


def rf_payload(p: ModelProfile) -> dict | None:
    """The explorer's data, or None when the model has no spatial layer or no 2-D input.

    Unweighted layers whose field and grid equal their input's (activations, dropout) are folded into
    that input, as in the diagram, so the picker and the ancestor chain list real steps."""
    layers = spatial_layers(p)
    if not layers or len(p.input) != 3:
        return None
    by_name = {lp.name: lp for lp in layers}
    shown: dict[str, str] = {}        # layer name -> the layer it is drawn as
    kept, meta = [], []
    for lp in layers:
        parent = _parent(lp, shown)
        if _same_field(lp, by_name.get(parent)):
            shown[lp.name] = parent
            continue
        shown[lp.name] = lp.name
        kept.append(lp)
        meta.append({"layer": lp.name, "kind": lp.kind, "parent": parent,
                     "out": dict(zip(AXES, lp.out_shape[1:]))})
    return {"input": dict(zip(AXES, p.input[1:])), "layers": meta,
            "axes": {a: [_axis_entry(lp, i) for lp in kept] for i, a in enumerate(AXES)}}


@lru_cache(maxsize=None)
def _static(name: str) -> str:
    return (HERE / "static" / name).read_text(encoding="utf-8")


def rf_explorer_html(p: ModelProfile, initial: str | None = None) -> str | None:
    """The explorer as one HTML block with no blank lines (safe inside Markdown), or None.

    ``initial`` names the layer selected first (default: the last spatial layer)."""
    from archlens.render.worksheet_pages import _json_for_script
    data = rf_payload(p)
    if data is None:
        return None
    names = [m["layer"] for m in data["layers"]]
    chosen = initial if initial in names else names[-1]
    options = "".join(f'<option value="{escape(n)}"{" selected" if n == chosen else ""}>'
                      f"{escape(n)}</option>" for n in names)
    html = f"""<div class="rf-explorer" data-rf-explorer>
<style>{_static("rf-explorer.css")}</style>
<script type="application/json" id="rf-data">{_json_for_script(data)}</script>
<p class="rfx-controls"><label>Layer <select class="rfx-layer">{options}</select></label>
<span class="rfx-hint">Click a unit of the feature map, or focus the map and use the arrow keys.</span></p>
<div class="rfx-panels">
<figure class="rfx-panel"><figcaption>Feature map of <span class="rfx-name"></span> (<span class="rfx-dims"></span> units)</figcaption>
<svg class="rfx-grid" tabindex="0" role="application" aria-label="feature map: arrow keys move the selected unit"></svg></figure>
<figure class="rfx-panel"><figcaption>Input image (<span class="rfx-in"></span> px): the unit's field, its ancestors' fields dashed</figcaption>
<svg class="rfx-image" role="img" aria-label="the input image with the receptive field drawn on it"></svg></figure>
</div>
<p class="rfx-readout" aria-live="polite"></p>
<details class="rfx-chain"><summary>The unit's ancestors layer by layer</summary><table class="rfx-table"><thead><tr><th>layer</th><th>unit (row, col)</th><th>field rows</th><th>field cols</th><th>size</th><th>inside the image</th></tr></thead><tbody></tbody></table></details>
<noscript>The explorer needs JavaScript; the layer table above lists every field's size, jump and start.</noscript>
<script>{_static("rf-explorer.js")}</script>
</div>"""
    return "\n".join(line for line in html.splitlines() if line.strip()) + "\n"


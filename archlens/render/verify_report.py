"""A VerifyReport as a terminal table plus the named reasons for every peer difference."""
from __future__ import annotations

from collections import defaultdict

from archlens.render import units
from archlens.render import texttable

TORCH_COLS = ("params", "trainable", "shape", "macs", "rf", "live bytes", "saved bytes")
MODEL = "(model)"   # archlens.verification.memory's whole-model checks


def _mark(checks, quantity) -> str:
    """ok/FAIL over a column's checks; the rf column holds its sizes and its extents."""
    found = [c for c in checks if c.quantity in (quantity, f"{quantity} extent")]
    if not found:
        return "-"
    return "ok" if all(c.ok for c in found) else "FAIL"


def _peer(checks, quantity, macs: int) -> str:
    found = [c for c in checks if c.quantity == quantity]
    if not found:
        return "-"
    c = found[0]
    text = units.count(c.theirs)
    if c.theirs != macs:
        text += f" ({c.theirs - macs:+,})"
    return text + ("" if c.ok else " FAIL")


def to_text(report) -> str:
    by_layer = defaultdict(list)
    for c in report.checks:
        by_layer[c.layer].append(c)
    head = ["layer", *TORCH_COLS, "torchinfo mult-adds (vs our MACs)", "fvcore flops (vs our MACs)"]
    rows = [head]
    for lp in report.profile.layers:
        cs = by_layer[lp.name]
        rows.append([lp.name, *(_mark(cs, q) for q in TORCH_COLS),
                     _peer(cs, "torchinfo mult-adds", lp.macs.value),
                     _peer(cs, "fvcore flops", lp.macs.value)])
    lines = texttable.aligned(rows, left={0}, strip=False)
    lines.insert(1, texttable.rule(lines))
    p = report.profile
    title = f"verify {p.spec.name} at {units.shape(p.input)}: analytic vs torch (params, shapes, " \
            f"MACs via FlopCounterMode), receptive fields vs gradient footprint, and the peers"
    return "\n".join([title, *lines, _returns(report), "", *_reasons(report), *_field_notes(report), "",
                      *_memory(report), "", _verdict(report)])


def _memory(report) -> list[str]:
    """Whole-model memory checks: ours against torch, and the peers' figures with their rule."""
    checks = [c for c in report.checks if c.layer == MODEL]
    if not checks:
        return []
    from archlens.core.memory import memory
    m = memory(report.profile)
    out = ["Memory (bytes; live/saved columns above: inference live tensors and saved for "
           "backward, per layer, against torch at batch 2):",
           f"  ours, batch 1: every layer's output added {units.count(m.outputs_bytes)}; inference "
           f"peak {units.count(m.peak_bytes)} (at {m.peak_layer}); saved for backward "
           f"{units.count(m.saved_bytes)}"]
    for c in checks:
        mark = "ok" if c.ok else "FAIL"
        if c.source == "torch":
            out.append(f"  {c.quantity} ({c.reason}): {units.count(c.ours)} = torch "
                       f"{units.count(c.theirs)} {mark}")
        else:
            out.append(f"  {c.source}: {c.quantity} {units.count(c.theirs)} ({mark}: "
                       f"{c.reason})")
    return out


def _returns(report) -> str:
    """Which layers the built model returned, each checked for its profiled shape."""
    outs = [c for c in report.checks if c.quantity == "output"]
    form = "one tensor" if len(outs) == 1 else f"a tuple of {len(outs)}, in this order"
    marks = ", ".join(f"{c.layer} {'ok' if c.ok else 'FAIL'}" for c in outs)
    return f"model returns {form}: {marks} (shape vs profile)"


def _reasons(report) -> list[str]:
    """Group peer differences by their stated reason: 'why torchinfo says more'."""
    macs = {lp.name: lp.macs.value for lp in report.profile.layers}
    groups = defaultdict(list)
    for c in report.checks:
        if c.layer == MODEL:
            continue   # memory figures, shown by _memory
        if c.source in ("torchinfo", "fvcore") and "params" not in c.quantity and c.theirs != macs[c.layer]:
            groups[(c.source, c.reason)].append(c.layer)
    if not report.peers:
        return ["Peers skipped (--no-peers): torchinfo and fvcore did not run, nothing compared with them."]
    out = ["Differences from our MACs, explained:"] if groups else ["No peer differs from our MACs."]
    for (source, reason), layers in sorted(groups.items()):
        shown = ", ".join(layers[:6]) + (f", ... ({len(layers)} layers)" if len(layers) > 6 else "")
        out.append(f"  {source}: {reason} [{shown}]")
    return out


def _field_notes(report) -> list[str]:
    """Merges of misaligned inputs (the field checked is the union), and the maps whose field
    is none, so no footprint was compared (the profile's notes say why at a merge)."""
    layers = report.profile.layers
    out = []
    misaligned = [f"{lp.name} ({units.axes(lp.extra['misaligned_px'])} px)" for lp in layers
                  if "misaligned_px" in lp.extra]
    if misaligned:
        out.append("  merged inputs whose centres differ (y, x; the field is their union): " +
                   ", ".join(misaligned))
    unchecked = [lp.name for lp in layers if lp.rf is None and len(lp.out_shape) == 3]
    if unchecked:
        shown = ", ".join(unchecked[:6]) + (f", ... ({len(unchecked)} layers)" if len(unchecked) > 6 else "")
        out.append(f"  rf not checked where the field is none (a global mean, pooling to a fixed "
                   f"size, group norm statistics or a branch without a field: each unit reads "
                   f"more than a local window) [{shown}]")
    return out


def _verdict(report) -> str:
    if report.ok:
        return f"OK: {len(report.checks)} checks passed"
    lines = [f"FAILED: {len(report.failures)} of {len(report.checks)} checks"]
    for c in report.failures[:20]:
        lines.append(f"  layer '{c.layer}': {c.quantity}: ours {c.ours!r}, {c.source} {c.theirs!r}")
    return "\n".join(lines)

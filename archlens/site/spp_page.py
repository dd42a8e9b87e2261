"""Which SPP bin rule applies at which size, on pages of specs with an ``spp`` layer.

He et al. (TPAMI 2015) give two bin rules: Sec. 2.3's sliding window (window ceil(a/n), stride
floor(a/n)) and Appendix A's bin edges [floor((i-1)·a/n), ceil(i·a/n)). archlens keeps Sec. 2.3
where it yields n bins covering every cell and uses Appendix A elsewhere
(``archlens.core.kinds.spp``); the page says which one pooled what. Pure arithmetic, no torch.
"""
from __future__ import annotations

from archlens.core.kinds import get_kind
from archlens.core.kinds.spp import SEC23, bins
from archlens.site import mdtext as md


def _rule(a: int, n: int) -> str:
    rule = bins(a, n)[1]
    return f"{rule}: window {-(-a // n)}, stride {a // n}" if rule == SEC23 else rule


def spp_rules_section(d) -> str | None:
    """A table of the rule per pyramid level for window sides 1 .. the whole map."""
    found = next((lp for lp in d.profile.layers if get_kind(lp.kind).spatial_pyramid), None)
    if found is None or len(found.in_shapes[0]) != 3:
        return None
    _, h, w = found.in_shapes[0]
    levels = d.profile.spec.layer(found.name).args.levels
    head = ["window side a (cells)", *(f"{n}x{n} level" for n in levels)]
    rows = [[str(a), *(_rule(a, n) for n in levels)] for a in range(1, max(h, w) + 1)]
    return "\n".join([
        "## Pyramid bins: which rule at which size", "",
        f"At this page's input `{md.text(found.name)}` pools a {h}x{w} map, with bins "
        f"{md.text(found.extra['spp_bins'].split(': ', 1)[1])}. A proposal's window on that map can be any size, "
        "and rows and columns each take the rule of their own length a. Sec. 2.3's sliding window "
        "(window ceil(a/n), stride floor(a/n)) is kept where it gives n bins over all a cells; "
        "elsewhere the bins are Appendix A's, bin i = [floor((i-1)a/n), ceil(ia/n)), the bins of "
        "adaptive max pooling. At a = 8 the 3x3 level's sliding window (3, stride 2) would never "
        "read cell 7.", "",
        md.table(head, rows, "r" + "l" * len(levels))])

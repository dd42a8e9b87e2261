"""The receptive-field explorer as a page section (model pages and the stacked-3x3 page).

The data and the drawing script live in ``render/rf_explorer.py``; this module only adds the
heading and the prose around it.
"""
from __future__ import annotations

from archlens.core.profile import ModelProfile, profile
from archlens.render.rf_explorer import rf_explorer_html
from archlens.spec.load import spec_from_dict

INTRO = ("Pick a layer and click one of its units (or focus the map and use the arrow keys): the "
         "input image shows the unit's receptive field, the same numbers as the size, jump and "
         "start columns of the layer table. The solid box is the field; the part outside the "
         "image (hatched) falls on padding, so only the shaded part sees pixels. The dashed boxes "
         "are the fields of the unit's ancestors, layer by layer: in each earlier layer, the unit "
         "whose field is centred nearest the same point.")

# Three stacked 3x3 convolutions (stride 1, padding 1) on a small image: fields of 3, 5, 7
# (Simonyan & Zisserman 2015, Sec. 2.3); padding 1 keeps 11x11, so edge units show padding.
STACK_SPEC = {"name": "stacked_3x3", "title": "Three stacked 3x3 convolutions",
              "input": [1, 11, 11],
              "layers": [{"name": f"conv{i}", "kind": "conv", "out_channels": 1,
                          "kernel_size": 3, "padding": 1} for i in (1, 2, 3)]}


def rf_explorer_section(p: ModelProfile) -> str | None:
    """`## Receptive-field explorer` with the widget, or None without spatial layers."""
    html = rf_explorer_html(p)
    if html is None:
        return None
    return "\n".join(["## Receptive-field explorer", "", INTRO, "", html])


def stacked_explorer() -> str:
    """The widget for the stacked-3x3 concept page (three 3x3 convolutions, 11x11 image)."""
    return rf_explorer_html(profile(spec_from_dict(STACK_SPEC, "stacked-3x3 page")))

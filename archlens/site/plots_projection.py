"""The detection page's projection figure: one box of the resized image and the conv5 window
SPPNet pools for it (He et al., TPAMI 2015, Appendix A), drawn on the conv5 cell grid.

The geometry (start and jump of the shared trunk's last map), the resized image and the map
size come from the profile of the bundled ``sppnet_zf5`` spec; the window from
``archlens.detection.project.project_boxes``, the code ``archlens detect`` runs.
"""
from __future__ import annotations

from functools import lru_cache

from matplotlib.patches import Rectangle

from archlens.site.figures import Theme, new_figure

SPEC = "sppnet_zf5"
BOX = (100.0, 60.0, 230.0, 180.0)   # (x0, y0, x1, y1) in the resized image's pixels
SHOWN = (18, 13)                     # conv5 columns and rows drawn (a corner of the map)


@lru_cache(maxsize=None)
def projection_numbers() -> dict:
    """The box, the trunk's map geometry and sizes, and its window by our rule and the paper's."""
    import torch
    from archlens.core.profile import profile
    from archlens.detection.config import detection_config, scaled_size
    from archlens.detection.project import MapGeometry, map_geometry, project_boxes
    from archlens.spec.load import load_spec
    spec = load_spec(SPEC)
    config = detection_config(spec)
    geometry = map_geometry(spec, config.shared_until)
    image = scaled_size(config.image_size, config.scale)
    fmap = tuple(profile(spec, input=(3, *image)).layer(config.shared_until).out_shape[1:])
    box = torch.tensor([BOX], dtype=torch.float64)
    ours = project_boxes(box, geometry, fmap)[0].tolist()
    paper = project_boxes(box, MapGeometry.paper(geometry.jump[1]), fmap)[0].tolist()
    return {"spec": SPEC, "layer": config.shared_until, "box": BOX, "original": config.image_size,
            "image": image, "fmap": fmap, "start": geometry.start, "jump": geometry.jump,
            "cells": tuple(ours), "paper": tuple(paper)}


def cell_extent(cells, start, jump) -> tuple[float, float, float, float]:
    """Image-pixel rectangle (x0, y0, x1, y1) covered by inclusive cells (x0', y0', x1', y1'),
    each cell a jump-wide square around its centre start + i * jump."""
    (sy, sx), (jy, jx) = start, jump
    return (sx + cells[0] * jx - jx / 2, sy + cells[1] * jy - jy / 2,
            sx + cells[2] * jx + jx / 2, sy + cells[3] * jy + jy / 2)


def _rect(ax, q, gid, **kw):
    ax.add_patch(Rectangle((q[0], q[1]), q[2] - q[0], q[3] - q[1], gid=gid, **kw))


def _grid(ax, n, theme):
    (sy, sx), (jy, jx) = n["start"], n["jump"]
    cols, rows = SHOWN
    for i in range(cols + 1):
        ax.axvline(sx + (i - 0.5) * jx, color=theme.grid, lw=0.6)
    for j in range(rows + 1):
        ax.axhline(sy + (j - 0.5) * jy, color=theme.grid, lw=0.6)
    xs = [sx + i * jx for i in range(cols) for _ in range(rows)]
    ys = [sy + j * jy for _ in range(cols) for j in range(rows)]
    ax.scatter(xs, ys, s=3, color=theme.fg, alpha=0.5, linewidths=0)


def _cell_axes(ax, n):
    (sy, sx), (jy, jx) = n["start"], n["jump"]
    top = ax.secondary_xaxis("top", functions=(lambda x: (x - sx) / jx, lambda i: sx + i * jx))
    right = ax.secondary_yaxis("right", functions=(lambda y: (y - sy) / jy, lambda j: sy + j * jy))
    top.set_xticks(range(0, SHOWN[0], 2))
    right.set_yticks(range(0, SHOWN[1], 2))
    top.set_xlabel(f"{n['layer']} cell x′")
    right.set_ylabel(f"{n['layer']} cell y′")


def box_projection(theme: Theme):
    n = projection_numbers()
    (sy, sx), (jy, jx) = n["start"], n["jump"]
    fig = new_figure(6.4, 4.6)
    ax = fig.add_subplot()
    _grid(ax, n, theme)
    _rect(ax, cell_extent(n["cells"], n["start"], n["jump"]), "window", fc=theme.accent[0],
          alpha=0.35, ec=theme.accent[0], lw=1, label=f"window (start {sx:g})")
    _rect(ax, cell_extent(n["paper"], n["start"], n["jump"]), "paper-window", fc="none",
          ec=theme.accent[2], lw=2, ls=(0, (4, 2)), label="paper's formula (start 0)")
    _rect(ax, n["box"], "box", fc="none", ec=theme.accent[1], lw=2.2, label="box in the image")
    ax.set(xlim=(0, sx + (SHOWN[0] - 0.5) * jx), ylim=(sy + (SHOWN[1] - 0.5) * jy, 0),
           aspect="equal", xlabel="x in the resized image (pixels)",
           ylabel="y (pixels)")
    _cell_axes(ax, n)
    fig.legend(loc="outside lower center", ncols=3, fontsize=9)
    return fig

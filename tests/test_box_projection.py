"""SPPNet's window projection (TPAMI 2015, Appendix A) with each network's own conv-map geometry.

Oracle: the cell centres are measured on the built torch trunk (an impulse at each image column,
all weights 1, biases 0: the columns that reach a cell are its receptive field, and its centre is the
middle), never taken from the profile; then the cells whose centres lie inside random boxes are
counted by brute force and compared with ``project_boxes``.
"""
import pytest
import torch

from archlens.detection.config import detection_config
from archlens.detection.networks import Chain
from archlens.detection.project import MapGeometry, map_geometry, project_boxes
from archlens.nn.build import build_model
from archlens.spec.load import load_spec

SPECS = {"sppnet_zf5": (32, 192), "sppnet_vgg16": (16, 240)}  # image (h, w): some fields uncut


def _measured_geometry(name: str, height: int, width: int) -> tuple[float, float]:
    """(start, jump) along x of the conv map, from impulses through a thin float64 torch trunk."""
    spec = load_spec(name)
    until = detection_config(spec).shared_until
    model = build_model(spec, input=(3, height, width), width=1 / 64).double().eval()
    names = [layer.name for layer in spec.layers]
    trunk = Chain(model, names[: names.index(until) + 1], (until,))
    with torch.no_grad():
        for p in model.parameters():
            p.fill_(1.0 if p.dim() > 1 else 0.0)                   # weights 1, biases 0
        impulses = torch.zeros(width, 3, height, width, dtype=torch.float64)
        impulses[torch.arange(width), :, height // 2, torch.arange(width)] = 1.0
        (fmap,) = trunk(impulses)                                   # (width, C, h, w)
    reach = fmap.amax(dim=(1, 2)) > 0                               # (image column, cell)
    lo = reach.float().argmax(0)
    hi = width - 1 - reach.flip(0).float().argmax(0)
    full = (hi - lo) == (hi - lo).max()                             # fields not cut by a border
    cells = full.nonzero().flatten()
    centres = (lo[cells] + hi[cells]).double() / 2
    jump = float(centres[1] - centres[0])
    assert torch.equal(centres, centres[0] + (cells - cells[0]).double() * jump)  # evenly spaced
    return float(centres[0] - cells[0] * jump), jump


def _inside(lo: float, hi: float, start: float, jump: float, cells: int) -> list[int]:
    return [i for i in range(cells) if lo < start + i * jump < hi]


@pytest.mark.parametrize("name", SPECS)
def test_projected_cells_are_those_whose_centres_lie_in_the_box(name):
    start, jump = _measured_geometry(name, *SPECS[name])
    spec = load_spec(name)
    geometry = map_geometry(spec, detection_config(spec).shared_until)
    assert geometry == MapGeometry((start, start), (jump, jump))
    g = torch.Generator().manual_seed(7)
    h, w = 30, 40                                                   # conv map rows, columns
    corner = torch.rand(200, 2, generator=g) * torch.tensor([w, h]) * jump
    size = 40 + torch.rand(200, 2, generator=g) * 250
    boxes = torch.cat([corner, corner + size], 1).round()           # integer corners too
    got = project_boxes(boxes, geometry, (h, w)).tolist()
    checked = 0
    for box, (x0, y0, x1, y1) in zip(boxes.tolist(), got):
        xs = _inside(box[0], box[2], start, jump, w)
        ys = _inside(box[1], box[3], start, jump, h)
        if xs and ys:                                               # holds some cell centres
            assert (x0, x1, y0, y1) == (xs[0], xs[-1], ys[0], ys[-1]), box
            checked += 1
    assert checked > 150


def test_zf5_box_from_the_issue_and_the_paper_formula_as_the_special_case():
    spec = load_spec("sppnet_zf5")
    zf5 = map_geometry(spec, "relu5")
    assert zf5 == MapGeometry((16.0, 16.0), (16.0, 16.0))           # conv1, conv2 pad 1
    box = torch.tensor([[100.0, 100.0, 300.0, 300.0]])
    assert project_boxes(box, zf5, (40, 40)).tolist() == [[6, 6, 17, 17]]  # centres 112..288
    # start 0 (floor(k/2) padding): x' = floor(x/S) + 1, ceil(x/S) - 1, the paper's formula
    assert project_boxes(box, MapGeometry.paper(16), (40, 40)).tolist() == [[7, 7, 18, 18]]

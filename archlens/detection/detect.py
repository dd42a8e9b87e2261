"""``archlens detect``: run a detection pipeline on an image file, print and draw the boxes."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from archlens.errors import DataError, one_line
from archlens.detection.head import Detections

COLOURS = ("#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6")


def load_image(path: str | Path) -> torch.Tensor:
    """(3, H, W) float RGB in 0..255; a DataError for anything that is not a readable image."""
    from archlens.data.files import decode_image
    if Path(path).is_dir():
        raise DataError(f"{path}: is a directory, not an image")
    if not Path(path).exists():
        raise DataError(f"{path}: no such image file")
    rgb = decode_image(Path(path)).convert("RGB")
    if min(rgb.size) < 1:
        raise DataError(f"{path}: the image is empty ({rgb.size[0]}x{rgb.size[1]})")
    data = torch.frombuffer(bytearray(rgb.tobytes()), dtype=torch.uint8)
    return data.reshape(rgb.size[1], rgb.size[0], 3).permute(2, 0, 1).float()


@dataclass(frozen=True)
class DetectResult:
    image: str
    image_hw: tuple[int, int]
    proposal_method: str
    detections: Detections


def detect(spec, image_path, proposals: int | None = None, weights=None,
           score_threshold: float = 0.0) -> DetectResult:
    """Proposals, then the spec's pipeline (trained weights or freshly initialised)."""
    from archlens.spec.load import load_spec
    from archlens.detection.config import detection_config
    from archlens.detection.detector import build_detector
    from archlens.detection.proposals import propose
    spec = load_spec(spec)
    config = detection_config(spec)
    image = load_image(image_path)
    limit = config.proposals if proposals is None else proposals
    boxes, method = propose(image, limit)
    detector = build_detector(spec, weights=weights)
    found = detector(image, boxes, score_threshold)
    return DetectResult(str(image_path), tuple(image.shape[-2:]), method, found)


def format_result(result: DetectResult, spec_name: str) -> str:
    d = result.detections
    h, w = result.image_hw
    lines = [f"{spec_name} on {one_line(result.image)} ({w}x{h}): {d.proposals} proposals "
             f"({result.proposal_method}), {len(d)} detections after per-class NMS"]
    lines += [f"  class {int(c):>2}  score {float(s):+.3f}  box x0={b[0]:.0f} y0={b[1]:.0f} "
              f"x1={b[2]:.0f} y1={b[3]:.0f}" for b, s, c in zip(d.boxes.tolist(), d.scores, d.labels)]
    return "\n".join(lines)


def check_out(out, spec, image, weights=None, force: bool = False) -> Path:
    """Refuse an ``--out`` that is the image, the spec or the weights (even with ``force``),
    or an existing file without ``force``."""
    from archlens.errors import SpecError
    from archlens.files import check_output
    from archlens.spec.load import resolve_path
    try:
        spec_file = resolve_path(spec)
    except SpecError:   # an unknown spec is reported by detect itself
        spec_file = None
    return check_output(out, [image, spec_file, weights], force, "--out")


def draw(image_path, detections: Detections, out: str | Path) -> Path:
    """A PNG of the image with each box outlined and labelled with its class and score, written
    atomically (a kill leaves the old file or the new one, never half of one)."""
    from PIL import Image, ImageDraw
    from archlens.files import write_atomically
    out = Path(out)
    with Image.open(image_path) as im:
        canvas = im.convert("RGB")
    pen = ImageDraw.Draw(canvas)
    for box, score, label in zip(detections.boxes.tolist(), detections.scores, detections.labels):
        colour = COLOURS[int(label) % len(COLOURS)]
        pen.rectangle(box, outline=colour, width=2)
        pen.text((box[0] + 3, box[1] + 2), f"{int(label)}:{float(score):.2f}", fill=colour)
    return write_atomically(out, lambda f: canvas.save(f, format="PNG"))

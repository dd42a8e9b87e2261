"""Pascal VOC annotation XML: build and parse one file, validating boxes at the boundary.

VOC XML boxes are 1-based, inclusive pixel indices; our boxes are 0-based half-open pixel edges
(see ``records.py``). Conversion: ``x1 = xmin - 1, x2 = xmax`` and back ``xmin = x1 + 1, xmax = x2``.
A one-pixel-wide VOC box has ``xmin == xmax`` and is valid.
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from archlens.data.records import Annotation
from archlens.errors import DataError


@dataclass(frozen=True)
class VocAnnotation:
    """One parsed XML file."""

    filename: str                     # <filename>, e.g. '000005.jpg'
    height: int                       # <size><height>, pixels
    width: int                        # <size><width>, pixels
    objects: tuple[Annotation, ...]   # boxes already converted to 0-based half-open


def build_xml(image_id: str, height: int, width: int, objects: Sequence[Annotation],
              folder: str = "archlens", segmented: bool = True) -> bytes:
    """The XML document for one image, in the layout of VOC2012's Annotations/*.xml."""
    root = ET.Element("annotation")
    _text(root, "folder", folder)
    _text(root, "filename", f"{image_id}.jpg")
    size = ET.SubElement(root, "size")
    for tag, value in (("width", width), ("height", height), ("depth", 3)):
        _text(size, tag, value)
    _text(root, "segmented", int(segmented))
    for obj in objects:
        _object_xml(root, obj)
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=False) + b"\n"


def _text(parent: ET.Element, tag: str, value: object) -> ET.Element:
    """Append ``<tag>value</tag>`` to ``parent``."""
    el = ET.SubElement(parent, tag)
    el.text = str(value)
    return el


def _object_xml(root: ET.Element, obj: Annotation) -> None:
    """Append one <object>, converting the box to VOC's 1-based inclusive indices."""
    el = ET.SubElement(root, "object")
    _text(el, "name", obj.name)
    _text(el, "pose", "Unspecified")
    _text(el, "truncated", int(obj.truncated))
    _text(el, "difficult", int(obj.difficult))
    box = ET.SubElement(el, "bndbox")
    x1, y1, x2, y2 = obj.box
    for tag, value in (("xmin", x1 + 1), ("ymin", y1 + 1), ("xmax", x2), ("ymax", y2)):
        _text(box, tag, _number(value))


def _number(value: float) -> str:
    """Integers without a decimal point (as in VOC), other values as Python writes them."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def parse_xml(path: Path, classes: Sequence[str]) -> VocAnnotation:
    """Parse and validate one annotation file; ``classes[0]`` is background."""
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as err:
        raise DataError(f"{path}: malformed XML ({err}); fix or regenerate the file") from None
    except OSError as err:
        raise DataError(f"{path}: cannot read ({err.strerror}); check the Annotations folder") from None
    where = _Where(path)
    height, width = where.int(root, "size/height"), where.int(root, "size/width")
    if height <= 0 or width <= 0:
        raise where.error(f"image size {width}x{height} is not positive; fix <size>")
    objects = tuple(_parse_object(el, i, height, width, classes, where)
                    for i, el in enumerate(root.findall("object"), start=1))
    return VocAnnotation(root.findtext("filename", "").strip(), height, width, objects)


class _Where:
    """Reads required fields of one file and builds located DataErrors."""

    def __init__(self, path: Path):
        self.path = path

    def error(self, problem: str) -> DataError:
        return DataError(f"{self.path}: {problem}")

    def text(self, el: ET.Element, tag: str, what: str = "") -> str:
        value = el.findtext(tag)
        if value is None or not value.strip():
            raise self.error(f"{what}missing <{tag}>; add it")
        return value.strip()

    def number(self, el: ET.Element, tag: str, what: str = "") -> float:
        value = self.text(el, tag, what)
        try:
            number = float(value)
        except ValueError:
            raise self.error(f"{what}<{tag}> is {value!r}, not a number; fix it") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise self.error(f"{what}<{tag}> is {value!r}, not a finite number; fix it")
        return number

    def int(self, el: ET.Element, tag: str) -> int:
        number = self.number(el, tag)
        if not number.is_integer():
            raise self.error(f"<{tag}> is {number}, not a whole number of pixels; fix it")
        return int(number)

    def flag(self, el: ET.Element, tag: str, what: str) -> bool:
        value = (el.findtext(tag) or "0").strip()
        if value not in ("0", "1"):
            raise self.error(f"{what}<{tag}> is {value!r}; use 0 or 1")
        return value == "1"


def _parse_object(el: ET.Element, i: int, height: int, width: int,
                  classes: Sequence[str], where: _Where) -> Annotation:
    """One <object>: known class name, numeric box inside the image, flags 0/1."""
    name = where.text(el, "name", f"object {i}: ")
    what = f"object {i} ({name!r}): "
    if name not in classes[1:]:
        raise where.error(f"{what}unknown class {name!r}; known: {', '.join(classes[1:])}; "
                          f"pass classes=[...] or list them in classes.txt")
    xmin, ymin, xmax, ymax = (where.number(el, f"bndbox/{t}", what)
                              for t in ("xmin", "ymin", "xmax", "ymax"))
    _check_box(where, what, (xmin, ymin, xmax, ymax), height, width)
    return Annotation(name, list(classes).index(name), (xmin - 1, ymin - 1, xmax, ymax),
                      difficult=where.flag(el, "difficult", what),
                      truncated=where.flag(el, "truncated", what))


def _check_box(where: _Where, what: str, box: tuple[float, ...], height: int, width: int) -> None:
    """VOC boxes: 1 <= xmin <= xmax <= width and 1 <= ymin <= ymax <= height (inclusive)."""
    xmin, ymin, xmax, ymax = box
    shown = f"box ({_number(xmin)}, {_number(ymin)}, {_number(xmax)}, {_number(ymax)})"
    if xmin > xmax or ymin > ymax:
        raise where.error(f"{what}{shown} has min > max; swap or fix the corners "
                          f"(VOC boxes are xmin ymin xmax ymax, 1-based inclusive)")
    if xmin < 1 or ymin < 1 or xmax > width or ymax > height:
        raise where.error(f"{what}{shown} lies outside the {width}x{height} image; clip it to "
                          f"1..{width} x 1..{height} (VOC boxes are 1-based inclusive)")

"""Specs are loaded from YAML and validated at the boundary, into the records of ``model.py``.

One canonical form: the VGG stage shorthand and backbone reuse expand here, at load time,
and nothing downstream sees them. Every problem raises a ``SpecError`` naming the file,
the layer and its kind.
"""
from __future__ import annotations

import dataclasses
import math
import re
from pathlib import Path

from archlens.spec import yamlio
from archlens.errors import LayerProblem, SpecError, TrainError, quoted
from archlens.spec.expected import check_expected
from archlens.core.kinds import get_kind
from archlens.core.kinds.args import bound, describe, is_size, parse_args, suggest
from archlens.spec.names import spec_name
from archlens.spec.outputs import parse_outputs
from archlens.spec.sections import check_sections
from archlens.spec.model import INPUT, LayerSpec, Spec, SpecRef
from archlens.spec.shorthand import expand_item

# Package data: present in a wheel or an editable install alike (pyproject's package-data).
# The package's own folder, as importlib.resources.files("archlens") gives it for an installed
# or editable package, without importing importlib.resources (and tempfile) on every command.
SPECS_DIR = Path(__file__).parent.parent / "specs"
NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")   # whole name (fullmatch: '$' lets "r\n" in)
TOP_KEYS = ("name", "title", "description", "source", "task", "input", "num_classes",
            "backbone", "layers", "outputs", "expected", "train", "detection", "notes", "imported")
LAYER_KEYS = ("name", "kind", "inputs", "frozen")
_LAYER_KEYS = frozenset(LAYER_KEYS)


def bundled_specs() -> list[str]:
    """Names of the specs shipped with the package (``archlens/specs/``)."""
    return sorted(p.stem for p in SPECS_DIR.glob("*.yaml"))


def is_bundled(spec: Spec) -> bool:
    """Whether ``spec`` was loaded from the package's own file (a user's copy of ``vgg16`` is not)."""
    return spec.path is not None and spec.path.parent == SPECS_DIR.resolve()


def resolve_path(ref: str | Path) -> Path:
    """A bundled spec name or a path to a YAML file."""
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.is_file():
            raise SpecError("no such spec file", file=str(ref))
        return path
    bundled = SPECS_DIR / f"{ref}.yaml"
    if bundled.is_file():
        return bundled
    names = bundled_specs()
    raise SpecError(f"unknown spec '{ref}'{suggest(str(ref), names)} (bundled: {', '.join(names)})")


def load_spec(ref: SpecRef) -> Spec:
    """Load and validate a spec from a bundled name, a path, a mapping, or pass a Spec through."""
    if isinstance(ref, Spec):
        return ref
    if isinstance(ref, dict):
        return spec_from_dict(ref)
    path = resolve_path(ref)
    doc = yamlio.read_mapping(path, display_path(path))
    try:
        return _build_spec(doc, path)
    except SpecError as exc:
        raise exc.located(file=display_path(path)) from None


def display_path(path: Path) -> str:
    """A path as the user would type it: relative to the working directory when inside it."""
    resolved = Path(path).resolve()
    for base in (Path.cwd(), SPECS_DIR.parent):
        try:
            return resolved.relative_to(base).as_posix()
        except ValueError:
            continue
    return str(path)


def spec_from_dict(doc: dict, file: str = "<spec>") -> Spec:
    """Validate an in-memory spec mapping (as YAML would give); messages name ``file``."""
    try:
        return _build_spec(doc, Path(file))
    except SpecError as exc:
        raise exc.located(file=file) from None


def _build_spec(doc: dict, path: Path) -> Spec:
    _check_keys(doc, TOP_KEYS, "unknown top-level key")
    num_classes = doc.get("num_classes")
    if num_classes is not None and not is_size(num_classes):
        raise SpecError(f"num_classes must be a positive integer{bound(num_classes)}, "
                        f"got {describe(num_classes)}")
    raw_layers = _backbone_layers(doc.get("backbone"), path) + _own_layers(doc, path)
    if not raw_layers:
        raise SpecError("the spec has no layers")
    layers = [_parse_layer(raw, num_classes) for raw in raw_layers]
    _check_unique(layers)
    known = {k: doc[k] for k in ("detection", "notes", "imported") if k in doc}   # owned by detection, site, importers
    spec = Spec(name=spec_name(doc, path), input=_parse_input(doc.get("input")),
                layers=tuple(layers), title=str(doc.get("title", "")),
                source=str(doc.get("source", "")), description=str(doc.get("description", "")),
                task=str(doc.get("task", "classification")), num_classes=num_classes,
                expected=check_expected(doc.get("expected"), [l.name for l in layers]),
                train=_checked_train(doc.get("train")),
                backbone=_backbone_file(doc["backbone"], path).resolve() if doc.get("backbone") else None,
                outputs=parse_outputs(doc.get("outputs"), [l.name for l in layers]),
                extra=known, display=display_path(path),
                path=path.resolve() if path.is_file() else None)
    check_sections(spec)  # each owned section's owner validates it at the boundary
    return spec


def _checked_train(section) -> dict:
    """The ``train:`` recipes, each checked against the harness's records now, not at training."""
    if not section:   # nothing to check (as check_train_section reads it): its records stay unloaded
        return {}
    from archlens.spec.recipes import check_train_section
    try:
        check_train_section(section)
    except TrainError as exc:  # at load time it is a spec problem, located like the others
        raise SpecError(str(exc)) from None
    return section or {}


def _check_keys(doc: dict, allowed, what: str, layer=None, kind=None) -> None:
    for key in doc:
        if key not in allowed:
            raise SpecError(f"{what} {quoted(key)}{suggest(str(key), allowed)}", layer=layer, kind=kind)


def _parse_input(value) -> tuple[int, ...]:
    ok = isinstance(value, list) and len(value) in (1, 3) and all(is_size(v) for v in value)
    if not ok:
        raise SpecError(f"input must be [C, H, W] or [features] of positive integers"
                        f"{bound(value)}, got {describe(value)}")
    return tuple(value)


def _own_layers(doc: dict, path: Path) -> list[dict]:
    items = doc.get("layers", [])
    if not isinstance(items, list):
        raise SpecError("layers must be a list")
    out: list[dict] = []
    for index, item in enumerate(items):
        out.extend(expand_item(item, index))
    return out


def _backbone_layers(backbone, path: Path, chain: tuple[Path, ...] = ()) -> list[dict]:
    """Layers reused from another spec, up to ``until``, with per-layer overrides.

    ``chain`` holds the specs whose backbones led here, so a cycle is refused by name instead
    of recursing until Python gives up."""
    if backbone is None:
        return []
    other = _backbone_file(backbone, path)
    chain = chain + (path.resolve(),)
    if other.resolve() in chain:
        names = [display_path(p) for p in chain[chain.index(other.resolve()):]] + [display_path(other)]
        raise SpecError(f"backbone cycle: {' -> '.join(names)}; a spec cannot be its own backbone")
    shown = display_path(other)
    doc = yamlio.read_mapping(other, shown)
    try:
        layers = _backbone_layers(doc.get("backbone"), other, chain) + _own_layers(doc, other)
    except SpecError as exc:   # a problem inside the backbone is that file's, not its user's
        raise exc.located(file=shown) from None
    layers = _until(layers, backbone.get("until"), other)
    from archlens.spec.shorthand import apply_overrides
    return apply_overrides(layers, backbone.get("override") or {})


def _backbone_file(backbone, path: Path) -> Path:
    """The spec file a ``backbone:`` mapping names: a bundled name, or a .yaml path relative
    to the spec that uses it."""
    if not isinstance(backbone, dict) or "spec" not in backbone:
        raise SpecError(f"backbone must be a mapping like {{spec: vgg16, until: pool5}} (with "
                        f"optional 'until' and 'override'), got {backbone!r}")
    _check_keys(backbone, ("spec", "until", "override"), "unknown backbone key")
    name = backbone["spec"]
    if not isinstance(name, str) or not name:
        raise SpecError(f"backbone 'spec' must be a bundled spec name or a .yaml path, got {name!r}")
    return path.parent / name if name.endswith(".yaml") else resolve_path(name)


def _until(layers: list[dict], until, source: Path) -> list[dict]:
    if until is None:
        return layers
    names = [raw.get("name") for raw in layers]
    if until not in names:
        raise SpecError(f"backbone 'until: {until}' names no layer of {source.name}"
                        f"{suggest(str(until), [n for n in names if n])}")
    return layers[: names.index(until) + 1]


def _parse_layer(raw: dict, num_classes: int | None) -> LayerSpec:
    name, kind_name = raw.get("name"), raw.get("kind")
    if not isinstance(name, str) or not NAME_RE.fullmatch(name) or name == INPUT:
        raise SpecError(f"layer name {name!r} must be an identifier (letters, digits, _) "
                        f"other than '{INPUT}'", layer=str(name), kind=kind_name)
    if kind_name is None:
        raise SpecError("missing 'kind'", layer=name)
    try:
        kind = get_kind(kind_name)
        args_raw = {k: v for k, v in raw.items() if k not in _LAYER_KEYS}
        tied = "num_classes" in args_raw.values()   # compares by ==, as _resolve_classes does
        if tied:
            args_raw = _resolve_classes(args_raw, num_classes)
        args = parse_args(kind.Args, args_raw)
    except LayerProblem as exc:
        raise SpecError.from_problem(exc, layer=name, kind=kind_name) from None
    return LayerSpec(name, kind_name, args, _parse_inputs(raw, name, kind_name),
                     _parse_frozen(raw, name, kind_name), not tied, args_raw)


def _resolve_classes(args: dict, num_classes: int | None) -> dict:
    """``out_features: num_classes`` refers to the spec's class count."""
    if any(v == "num_classes" for v in args.values()) and num_classes is None:
        raise LayerProblem("refers to num_classes, but the spec sets no num_classes")
    return {k: (num_classes if v == "num_classes" else v) for k, v in args.items()}


def _parse_inputs(raw: dict, name: str, kind: str) -> tuple[str, ...] | None:
    value = raw.get("inputs")
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise SpecError(f"inputs must be a layer name or a list of names, got {raw['inputs']!r}",
                        layer=name, kind=kind)
    return tuple(value)


def _parse_frozen(raw: dict, name: str, kind: str) -> bool:
    value = raw.get("frozen", False)
    if not isinstance(value, bool):
        raise SpecError(f"frozen must be true or false, got {value!r}", layer=name, kind=kind)
    return value


def _check_unique(layers: list[LayerSpec]) -> None:
    seen: set[str] = set()
    for layer in layers:
        if layer.name in seen:
            raise SpecError("duplicate layer name", layer=layer.name, kind=layer.kind)
        seen.add(layer.name)


def with_input(spec: Spec, shape) -> Spec:
    """The same spec at another input size; derived sizes follow at analysis time."""
    return spec if shape is None else dataclasses.replace(spec, input=tuple(shape))


def scale_width(spec: Spec, factor: float) -> Spec:
    """A thinner (or wider) variant: every width argument times ``factor``, at least 1.

    Layers whose size is tied to ``num_classes`` keep it. Widths are rounded to a multiple
    of every ``groups`` in the spec, so each grouped layer's input stays divisible.
    """
    if factor == 1:
        return spec
    unit = math.lcm(*(getattr(layer.args, "groups", 1) for layer in spec.layers
                      if not _depthwise(layer)))
    return dataclasses.replace(spec, layers=tuple(_scaled(l, factor, unit) for l in spec.layers))


def _depthwise(layer: LayerSpec) -> bool:
    """A depthwise conv (MobileNet's: one group per output channel): its groups scale with its
    width instead of every width being rounded to a multiple of them."""
    groups = getattr(layer.args, "groups", 1)
    return groups > 1 and groups == getattr(layer.args, "out_channels", None) and layer.width_scaled


def _scaled(layer: LayerSpec, factor: float, unit: int) -> LayerSpec:
    arg = get_kind(layer.kind).width_arg
    if arg is None or not layer.width_scaled:
        return layer
    value = max(1, round(getattr(layer.args, arg) * factor / unit)) * unit
    args = dataclasses.replace(layer.args, **{arg: value})
    if _depthwise(layer):
        args = dataclasses.replace(args, groups=value)
    if getattr(args, "in_channels", None) is not None:
        args = dataclasses.replace(args, in_channels=None)  # derived again from the thinner input
    return dataclasses.replace(layer, args=args)


def with_num_classes(spec: Spec, n: int | None) -> Spec:
    """The same spec predicting ``n`` classes: every layer sized by ``num_classes`` follows.

    Used to train a 1000-class spec on a dataset's classes (e.g. 3 shapes). Tied layers are
    those written ``<width_arg>: num_classes`` (``width_scaled`` False at load time).
    """
    if n is None or n == spec.num_classes:
        return spec
    layers = tuple(layer if layer.width_scaled else _resized(layer, n) for layer in spec.layers)
    return dataclasses.replace(spec, num_classes=n, layers=layers)


def _resized(layer: LayerSpec, n: int) -> LayerSpec:
    arg = get_kind(layer.kind).width_arg
    args = dataclasses.replace(layer.args, **{arg: n})
    if getattr(args, "in_channels", None) is not None:
        args = dataclasses.replace(args, in_channels=None)  # derived again from the input
    return dataclasses.replace(layer, args=args)


def parse_shape(text: str) -> tuple[int, ...]:
    """'3x224x224' -> (3, 224, 224); used by the CLI's --input."""
    try:   # int() also refuses numbers past Python's digit limit
        shape = tuple(int(v) for v in text.lower().split("x"))
    except ValueError:
        shape = ()
    if len(shape) not in (1, 3) or not all(is_size(v) for v in shape):
        raise SpecError(f"--input must look like CxHxW (e.g. 3x224x224) or F{bound(shape)}, "
                        f"got {describe(text)}")
    return shape

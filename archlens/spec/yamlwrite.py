"""Writing a spec as YAML that ``load_spec`` reads back to the same spec: block style for the
spec, one flow mapping per layer (as the bundled specs read). The one writer of spec files
(``convolutionalize --out-spec``, ``archlens import --out``)."""
from __future__ import annotations

import yaml


class _Dumper(yaml.SafeDumper):
    """Block style for the spec, one flow mapping per layer."""


class _FlowLayer(dict):
    pass


class _FlowList(list):
    pass


_Dumper.add_representer(_FlowLayer, lambda d, v: d.represent_mapping(
    "tag:yaml.org,2002:map", v.items(), flow_style=True))
_Dumper.add_representer(_FlowList, lambda d, v: d.represent_sequence(
    "tag:yaml.org,2002:seq", v, flow_style=True))


def spec_yaml(doc: dict, header: str = "") -> str:
    """YAML text that ``load_spec`` reads back to the same spec; ``header`` lines become
    comments at the top."""
    doc = {**doc, "input": _FlowList(doc["input"]),
           "layers": [_FlowLayer(layer) for layer in doc["layers"]]}
    comments = "".join(f"# {line}\n" for line in header.splitlines())
    return comments + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, width=120, allow_unicode=True)

"""Specs as data: the Spec records, loading and validation, the VGG shorthand, YAML guards."""
from archlens.spec.model import LayerSpec, Spec
from archlens.spec.load import SPECS_DIR, bundled_specs, is_bundled, load_spec, spec_from_dict

__all__ = ["LayerSpec", "SPECS_DIR", "Spec", "bundled_specs", "is_bundled", "load_spec", "spec_from_dict"]

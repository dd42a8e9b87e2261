"""Layer kinds: importing this package registers every bundled kind."""
from archlens.core.kinds import activations, conv, crop, deconv, dense, merge, norm, pointwise, pool, shape_ops, spp  # noqa: F401  (registration side effects)
from archlens.core.kinds.registry import KINDS, Kind, get_kind, register

__all__ = ["KINDS", "Kind", "get_kind", "register"]

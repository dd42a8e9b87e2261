"""Layer kinds: importing this package registers every bundled kind."""
from archlens.core.kinds import conv, crop, deconv, dense, merge, pointwise, pool, spp  # noqa: F401  (registration side effects)
from archlens.core.kinds import opaque  # noqa: F401  (registration side effects)
from archlens.core.kinds.registry import KINDS, Kind, get_kind, register

__all__ = ["KINDS", "Kind", "get_kind", "register"]

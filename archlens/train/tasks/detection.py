"""Detection (R-CNN / SPPNet): placeholder until archlens.detection lands on main."""
from __future__ import annotations

"""Checks for the spec sections other packages own (``detection:``), run when a spec loads.

The spec layer imports nothing above it: a section's owner registers its check here when it
is imported, and ``archlens/__init__`` imports the owners, so a spec loaded through any entry
point has every owned section checked at load time.
"""
from __future__ import annotations

from typing import Any, Callable

from archlens.spec.model import Spec

# section name -> its owner's check: raises a SpecError for a bad section, returns anything
SECTION_CHECKS: dict[str, Callable[[Spec], Any]] = {}


def register_section_check(section: str, check: Callable[[Spec], Any]) -> None:
    """Have ``check(spec)`` run on every loaded spec that has a ``section:``; one owner each."""
    owner = SECTION_CHECKS.get(section)
    if owner is not None and owner is not check:
        raise ValueError(f"section '{section}' is already checked by {owner.__qualname__}")
    SECTION_CHECKS[section] = check


def check_sections(spec: Spec) -> None:
    """Run the owners' checks on the sections ``spec`` has (each raises a SpecError)."""
    for section, check in SECTION_CHECKS.items():
        if section in spec.extra:
            check(spec)

"""Pausing Python's cycle collector while a long spec's records are built.

Loading and profiling a spec allocate millions of small objects (YAML nodes, dicts, records)
that form no reference cycles and live until the result is returned. The cycle collector
cannot free any of them, yet it re-scans every live object each time the heap grows by a
quarter: on a 100,000-layer spec that was a third of ``archlens profile``'s time, and the part
that grew faster than the spec. Reference counting still frees everything as usual; a cycle
made meanwhile (an exception's traceback, say) is collected once the pause ends.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager


@contextmanager
def no_cycle_collection():
    """Disable the cycle collector for the block (nesting-safe: the outermost re-enables it)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

"""Aligned plain-text tables (the terminal output of profile, detection stages and verify)."""
from __future__ import annotations


def aligned(rows: list[list[str]], left=(0,), strip: bool = True) -> list[str]:
    """Rows of cells as lines: every column padded to its widest cell and joined by two
    spaces, the columns in ``left`` left-aligned and the others right-aligned. ``strip``
    drops trailing blanks (a total row's empty cells)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) if i in left else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths))) for r in rows]
    return [line.rstrip() for line in lines] if strip else lines


def rule(lines: list[str]) -> str:
    """A dashed line as long as the longest of ``lines``."""
    return "-" * max(len(line) for line in lines)

"""Every failure a user can cause, as one exception family with one-line messages.

The CLI prints ``str(error)`` on one line and exits with code 2; nothing user-facing
is ever an ``assert`` or a bare traceback.
"""
from __future__ import annotations

import re


# C0 controls, DEL and C1 controls: newlines, and ESC (or C1's CSI, OSC) that begins the
# sequences which recolour, clear, retitle or rewrite a terminal.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    """User text made safe for one line of a terminal: every control character is written as
    its escape (``\\n``, ``\\x1b``, ...), so a message stays one line that only shows text."""
    return _CONTROL.sub(lambda m: _NAMED.get(m.group(), f"\\x{ord(m.group()):02x}"), text)


def quoted(value, limit: int = 60) -> str:
    """A name the user gave, in quotes for a message; one past ``limit`` characters is cut
    there, with its length (a 2,000-character key would bury the rest of the line)."""
    text = str(value)
    return f"'{text}'" if len(text) <= limit else f"'{text[:limit]}...' ({len(text):,} characters)"


class ArchlensError(Exception):
    """Base of all user-facing errors: ``str()`` is the complete one-line message, with any
    user text in it escaped (``one_line``), whoever raised it."""

    # False in the processes of a torchrun job other than rank 0 when every process raises
    # this same error (train.distributed): the job prints it once
    echo = True

    def __init__(self, message: str = ""):
        super().__init__(one_line(str(message)))


class SpecError(ArchlensError):
    """A spec file is malformed: names the file, the layer (and its kind) and the problem.

    Format: ``file: layer 'name' (kind): problem``; parts that are unknown are left out.
    """

    def __init__(self, problem: str, file: str | None = None,
                 layer: str | None = None, kind: str | None = None):
        self.problem, self.file, self.layer, self.kind = problem, file, layer, kind
        super().__init__(self.message())

    def message(self) -> str:
        parts = []
        if self.file:
            parts.append(str(self.file))
        if self.layer is not None:
            parts.append(f"layer '{self.layer}'" + (f" ({self.kind})" if self.kind else ""))
        parts.append(self.problem)
        return ": ".join(str(p) for p in parts)   # escaped by ArchlensError

    def located(self, file: str | None = None, layer: str | None = None,
                kind: str | None = None) -> "SpecError":
        """A copy with missing location parts filled in (inner code rarely knows the file)."""
        return SpecError(self.problem, self.file or file,
                         self.layer if self.layer is not None else layer,
                         self.kind or kind)

    @classmethod
    def from_problem(cls, problem: "LayerProblem", file: str | None = None,
                     layer: str | None = None, kind: str | None = None,
                     inputs=None) -> "SpecError":
        """The located SpecError for a kind's LayerProblem: the one place that conversion
        happens (spec loading, the shape walk, the profile). ``inputs`` (the layer's input
        names) lets a problem that names inputs say which (``MisalignedInputs``)."""
        return cls(problem.message(inputs), file, layer, kind)


class LayerProblem(Exception):
    """Raised by a kind's pure rules; ``SpecError.from_problem`` turns it into a located
    SpecError."""

    def message(self, inputs=None) -> str:
        """The problem as one line; ``inputs`` are the layer's input names, for subclasses
        that name them."""
        return str(self)


class ProfileWarning(UserWarning):
    """A finding the profile reports and goes on (a merge of misaligned inputs): located as a
    SpecError is, ``file: layer 'name' (kind): finding``; the CLI prints it on one line."""


class DataError(ArchlensError):
    """A dataset on disk is missing or malformed: names the file and the fix."""


class TrainError(ArchlensError):
    """Training cannot go on (bad setting, NaN loss, ...): says where and why."""

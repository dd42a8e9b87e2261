"""Training tasks, one module each, registered by ``spec.task`` (no dispatch on names elsewhere).

A task supplies the data (synthetic by default, a user's folder with ``--data``), the loss, the
per-epoch metric meter and any final facts (a regression's slope). The loop knows none of them.
"""
from __future__ import annotations

from archlens.errors import TrainError
from archlens.core.kinds.args import suggest
from archlens.train.tasks.base import Task, TrainData

_TASKS: dict[str, type[Task]] = {}


def register_task(name: str):
    """Class decorator: ``@register_task("classification")``; a name registers once."""
    def add(cls: type[Task]) -> type[Task]:
        if name in _TASKS:
            raise ValueError(f"task '{name}' is already registered by {_TASKS[name].__name__}")
        cls.name = name
        _TASKS[name] = cls
        return cls
    return add


def get_task(name: str, where: str = "") -> Task:
    """A fresh task object for ``spec.task``; unknown names list the known ones."""
    if name not in _TASKS:
        prefix = f"{where}: " if where else ""
        raise TrainError(f"{prefix}task '{name}' has no training recipe{suggest(name, _TASKS)} "
                         f"(trainable tasks: {', '.join(sorted(_TASKS))})")
    return _TASKS[name]()


def task_names() -> list[str]:
    return sorted(_TASKS)


from archlens.train.tasks import classification, detection, regression, segmentation  # noqa: E402,F401  (registers)

__all__ = ["Task", "TrainData", "get_task", "register_task", "task_names"]

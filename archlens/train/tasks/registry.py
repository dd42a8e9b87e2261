"""The task registry: ``spec.task`` name -> Task class. Imports no task module.

Task modules register themselves with ``@register_task``; the package's ``__init__`` imports
them all, so ``archlens.train.tasks.get_task`` sees every task.
"""
from __future__ import annotations

from typing import Callable

from archlens.errors import TrainError
from archlens.core.kinds.args import suggest
from archlens.train.tasks.base import Task

_TASKS: dict[str, type[Task]] = {}


def register_task(name: str) -> Callable[[type[Task]], type[Task]]:
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

"""Training tasks, one module each, registered by ``spec.task`` (no dispatch on names elsewhere).

A task supplies the data (synthetic by default, a user's folder with ``--data``), the loss, the
per-epoch metric meter and any final facts (a regression's slope). The loop knows none of them.
The registry lives in ``registry.py``; importing this package imports every task module, so
each has registered itself before ``get_task`` is asked.
"""
from __future__ import annotations

from archlens.train.tasks.base import Task, TrainData
from archlens.train.tasks.registry import get_task, register_task, task_names
from archlens.train.tasks import classification, detection, regression, segmentation  # noqa: F401  (they register)

__all__ = ["Task", "TrainData", "get_task", "register_task", "task_names"]

"""The training harness: ``train(spec, TrainOptions(...))`` and the pieces it is made of.

config (the ``train:`` recipes) -> tasks (data, loss, metric per ``spec.task``) -> model ->
loop (fit: epochs, checkpoints, DDP) -> report (metrics.json/csv, curves). See ``run.py``.
"""
from archlens.train.config import TrainConfig, parse_overrides, recipe
from archlens.train.run import TrainOptions, TrainResult, summary_text, train

__all__ = ["TrainConfig", "TrainOptions", "TrainResult", "parse_overrides", "recipe",
           "summary_text", "train"]

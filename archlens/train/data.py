"""Datasets as the loop sees them: cached in memory, split into folds, sampled per process.

Shuffling draws a permutation from ``(seed, epoch)`` alone (``DistributedSampler``), never from
the global random state, so a resumed run visits batches in the same order, and N processes
together see exactly the batches one process would.
"""
from __future__ import annotations

from typing import Sequence

import torch
from torch.utils.data import ConcatDataset, DataLoader, Dataset, DistributedSampler, Subset

CACHE_LIMIT_BYTES = 2 << 30   # datasets smaller than this are decoded once and kept in memory


class InMemory(Dataset):
    """Equal-shape samples stacked into tensors; a batch is one indexing op (``__getitems__``)."""

    def __init__(self, tensors: Sequence[torch.Tensor]):
        self.tensors = tuple(tensors)

    def __len__(self) -> int:
        return len(self.tensors[0])

    def __getitem__(self, i: int):
        return tuple(t[i] for t in self.tensors)

    def __getitems__(self, indices: list[int]):
        index = torch.as_tensor(indices)
        return tuple(t[index] for t in self.tensors)


def materialize(dataset: Dataset) -> Dataset:
    """Decode every sample now (errors surface before training) and keep them as tensors when
    all are equal-shaped tensors under ``CACHE_LIMIT_BYTES``; otherwise leave it lazy."""
    if len(dataset) == 0:
        return dataset
    first = dataset[0]
    size = sum(t.numel() * t.element_size() for t in first if isinstance(t, torch.Tensor))
    if not all(isinstance(t, torch.Tensor) for t in first) or size * len(dataset) > CACHE_LIMIT_BYTES:
        return dataset
    samples = [dataset[i] for i in range(len(dataset))]
    shapes = {tuple(tuple(t.shape) for t in s) for s in samples}
    if len(shapes) != 1:
        return dataset
    return InMemory([torch.stack(parts) for parts in zip(*samples)])


def _identity(batch):
    return batch


def loader(dataset: Dataset, batch_size: int, seed: int, shuffle: bool, rank: int = 0,
           world: int = 1, collate=None) -> DataLoader:
    """A single-worker loader whose order depends only on ``(seed, epoch)``."""
    sampler = DistributedSampler(dataset, num_replicas=world, rank=rank, shuffle=shuffle, seed=seed,
                                 drop_last=False)
    if collate is None and isinstance(dataset, InMemory):
        collate = _identity
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, num_workers=0,
                      collate_fn=collate)


def eval_loader(dataset: Dataset, batch_size: int, collate=None) -> DataLoader:
    """Every sample once, in order (each process evaluates the whole validation set)."""
    if collate is None and isinstance(dataset, InMemory):
        collate = _identity
    return DataLoader(dataset, batch_size=batch_size, shuffle=False, num_workers=0,
                      collate_fn=collate)


def permutation(n: int, seed: int) -> list[int]:
    g = torch.Generator().manual_seed(seed)
    return torch.randperm(n, generator=g).tolist()


def take(dataset: Dataset, indices: list[int]) -> Dataset:
    """The samples at ``indices``, still in memory when the source was."""
    if isinstance(dataset, InMemory):
        return InMemory([t[torch.as_tensor(indices, dtype=torch.long)] for t in dataset.tensors])
    return Subset(dataset, indices)


def split(dataset: Dataset, val_fraction: float, seed: int) -> tuple[Dataset, Dataset]:
    """A seeded random train/validation split (at least one sample each)."""
    order = permutation(len(dataset), seed)
    n_val = min(max(1, round(len(order) * val_fraction)), len(order) - 1)
    return take(dataset, order[n_val:]), take(dataset, order[:n_val])


def join(first: Dataset, second: Dataset) -> Dataset:
    """Train then val as one pool, the set k-fold cross-validation splits."""
    if isinstance(first, InMemory) and isinstance(second, InMemory):
        return InMemory([torch.cat(pair) for pair in zip(first.tensors, second.tensors)])
    return ConcatDataset([first, second])


def fold(pool: Dataset, k: int, index: int, seed: int) -> tuple[Dataset, Dataset]:
    """Fold ``index`` of ``k``: a seeded permutation cut into k near-equal parts; part ``index``
    validates, the rest train."""
    order = permutation(len(pool), seed)
    bounds = [round(len(order) * j / k) for j in range(k + 1)]
    val = order[bounds[index]:bounds[index + 1]]
    train = order[:bounds[index]] + order[bounds[index + 1]:]
    return take(pool, train), take(pool, val)


def first_inputs(dataset: Dataset, n: int) -> torch.Tensor | None:
    """Up to ``n`` model inputs stacked (for data-dependent initialisation)."""
    if isinstance(dataset, InMemory):
        return dataset.tensors[0][:n]
    items = [dataset[i][0] for i in range(min(n, len(dataset)))]
    return torch.stack(items) if items and all(isinstance(x, torch.Tensor) for x in items) else None

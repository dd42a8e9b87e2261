"""Memory a network needs in torch, from the kinds' memory traits: pure arithmetic, no torch.

Four figures, each named for what it counts (``archlens verify`` holds the last three against
torch on the built model):

- outputs: every layer's output size added up (``activation_bytes``); an upper bound that
  counts in-place results and views again, not memory anyone allocates.
- inference peak: the largest sum of live tensors during a forward pass at inference (eval,
  no gradients). A layer's output is a new storage unless its kind aliases its input (a view,
  or in place); a storage lives until the last layer reading it has run; the caller holds
  the input throughout; ``scratch`` adds a kind's temporaries at its fullest moment.
- saved for backward: the storages autograd keeps between the forward and backward pass of a
  training step (``Kind.saved``), each counted once however many layers keep it; only layers
  autograd records (an input needing gradients, or trainable parameters) keep anything.
- training total: parameters + gradients + optimizer state + saved activations, at a batch.
"""
from __future__ import annotations

from dataclasses import dataclass

from archlens.core.records import fast_init
from archlens.core.kinds import get_kind
from archlens.core.geometry import numel
from archlens.spec.model import INPUT

# Optimizer state per trainable parameter element, and per trainable parameter tensor (Adam's
# step counter, a float32 scalar tensor in torch.optim.Adam).
OPTIMIZERS = {"sgd": (0, 0), "sgd_momentum": (1, 0), "adam": (2, 4)}
OPTIMIZER_STATE = {"sgd": "none", "sgd_momentum": "one momentum buffer per parameter",
                   "adam": "exp_avg and exp_avg_sq per parameter, a 4-byte step per tensor"}


@fast_init   # built per layer (records.py)
@dataclass(frozen=True)
class LayerMemory:
    name: str
    output_bytes: int        # this layer's output size (shared storage or not)
    new_storage: bool        # False: a view of, or written in place into, its input (inference)
    live_bytes: int          # live tensors at this layer's fullest moment, inference
    saved_bytes: int         # saved for backward, first kept by this layer (the column sums)


@dataclass(frozen=True)
class MemoryProfile:
    batch: int
    layers: tuple[LayerMemory, ...]
    outputs_bytes: int       # every layer's output added up
    peak_bytes: int          # inference peak
    peak_layer: str          # the layer at whose step the peak is reached
    storage_bytes: int       # distinct storages a forward pass allocates (input aside), inference
    saved_bytes: int         # saved for backward, total


@dataclass(frozen=True)
class TrainingMemory:
    batch: int
    optimizer: str
    params_bytes: int        # every parameter, trainable or frozen
    grads_bytes: int         # one gradient per trainable parameter that reaches the output
    optimizer_bytes: int
    saved_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.params_bytes + self.grads_bytes + self.optimizer_bytes + self.saved_bytes


def memory(prof, batch: int = 1) -> MemoryProfile:
    """The memory figures of a ModelProfile at ``batch`` samples."""
    from archlens.core.profile import DTYPE_BYTES
    item = DTYPE_BYTES[prof.dtype]
    key, size = storages(prof, item, training=False)
    live, peak_layer = _live_bytes(prof, item, batch, key, size)
    saved = _saved_bytes(prof, item, batch)
    layers = tuple(LayerMemory(lp.name, lp.activation_bytes * batch, key[lp.name] == lp.name,
                               live[lp.name], saved[lp.name]) for lp in prof.layers)
    return MemoryProfile(batch, layers, prof.totals.activation_bytes * batch,
                         max(live.values(), default=0), peak_layer,
                         sum(b for k, b in size.items() if k != INPUT) * batch, sum(saved.values()))


def training(prof, batch: int = 1, optimizer: str = "sgd_momentum",
             mem: MemoryProfile | None = None) -> TrainingMemory:
    """Parameters, gradients, optimizer state and saved activations of one training step;
    ``mem``: ``memory(prof, batch)`` where the caller has it already."""
    from archlens.core.profile import DTYPE_BYTES
    item = DTYPE_BYTES[prof.dtype]
    per_element, per_tensor = OPTIMIZERS[optimizer]
    trainable, tensors = _learning(prof)
    return TrainingMemory(batch, optimizer, prof.totals.params * item, trainable * item,
                          per_element * trainable * item + per_tensor * tensors,
                          (mem or memory(prof, batch)).saved_bytes)


def _learning(prof) -> tuple[int, int]:
    """(trainable parameter elements, trainable parameter tensors) that get gradients: the
    same for every optimizer and batch, so kept on the profile as ``_rules`` is."""
    cached = prof.__dict__.get("_memory_learning")
    if cached is None:
        reached = _reach_output(prof)
        learning = [lp for lp in prof.layers if lp.trainable_params and lp.name in reached]
        cached = prof.__dict__["_memory_learning"] = (
            sum(lp.trainable_params for lp in learning),
            sum((lp.params.weight.value > 0) + (lp.params.bias.value > 0) for lp in learning))
    return cached


def _outputs(prof) -> set[str]:
    """The layers the built model returns (core.graph.output_names: every head)."""
    read = {s for lp in prof.layers for s in lp.inputs}
    return set(prof.spec.outputs) or {lp.name for lp in prof.layers if lp.name not in read}


def _reach_output(prof) -> set[str]:
    """Layers whose output reaches a network output through data (a reference input, read
    for its size only, carries no gradient): only their parameters get gradients and state."""
    reached = _outputs(prof)
    for lp, kind, _, _ in reversed(_rules(prof)):
        if lp.name in reached:
            reached.update(lp.inputs[:1] if kind.reference_input else lp.inputs)
    return reached


def _rules(prof) -> list:
    """(layer profile, kind, typed arguments, input shapes as a list) per layer, in profile
    order, kept on the profile
    as cached_property keeps ``ModelProfile._by_name``: every rule asks for them, and looking
    them up again per rule and per figure cost more than the arithmetic."""
    cached = prof.__dict__.get("_memory_rules")
    if cached is None:
        args = {layer.name: layer.args for layer in prof.spec.layers}
        cached = prof.__dict__["_memory_rules"] = [
            (lp, get_kind(lp.kind), args[lp.name], list(lp.in_shapes)) for lp in prof.layers]
    return cached


def storages(prof, item: int, training: bool) -> tuple[dict, dict]:
    """Each layer's (and the input's) storage key, and each key's size in bytes per sample;
    a layer that makes a new storage is its own key."""
    key, size = {INPUT: INPUT}, {INPUT: numel(prof.input) * item}
    for lp, kind, a, _ in _rules(prof):
        if kind.aliases(a, training):
            key[lp.name] = key[lp.inputs[0]]
        else:
            key[lp.name], size[lp.name] = lp.name, lp.activation_bytes
    return key, size


def _live_bytes(prof, item: int, batch: int, key: dict, size: dict) -> tuple[dict, str]:
    """Live bytes at each layer's step (its output allocated, its inputs not yet freed);
    ``key``, ``size``: ``storages`` at inference."""
    rules = _rules(prof)
    last = {s: i for i, (lp, _, _, _) in enumerate(rules) for s in lp.inputs}
    outputs = _outputs(prof)   # returned: alive to the end
    holders = {INPUT: 1}   # names holding each storage; the caller holds the input
    live, at, best, best_layer = {}, size[INPUT], -1, INPUT
    for i, (lp, kind, a, ins) in enumerate(rules):
        k = key[lp.name]
        if k in holders:
            holders[k] += 1
        else:
            at += size[k]
            holders[k] = 1
        scratch = kind.scratch(a, ins, lp.out_shape, item)
        live[lp.name] = now = (at + scratch) * batch
        if now > best:
            best, best_layer = now, lp.name
        for s in (lp.inputs if len(lp.inputs) == 1 else set(lp.inputs)):
            if last[s] == i and s != INPUT and s not in outputs:
                at -= _release(holders, key[s], size)
    return live, best_layer


def _release(holders: dict, k: str, size: dict) -> int:
    holders[k] -= 1
    if holders[k]:
        return 0
    del holders[k]
    return size[k]


def _saved_bytes(prof, item: int, batch: int) -> dict[str, int]:
    """Bytes each layer's backward keeps that no earlier layer keeps already (dedupe by storage)."""
    key, size = storages(prof, item, training=True)
    needs_grad, kept, out = {INPUT: False}, set(), {}
    for lp, kind, a, ins in _rules(prof):
        recorded = lp.trainable_params > 0
        if not recorded:
            for s in lp.inputs:
                if needs_grad[s]:
                    recorded = True
                    break
        needs_grad[lp.name] = recorded
        if not recorded:
            out[lp.name] = 0
            continue
        entries = kind.saved(a, ins, lp.out_shape, lp.trainable_params > 0)
        out[lp.name] = sum(_first_kept(e, lp, key, size, kept, item, batch) for e in entries)
    return out


def _first_kept(e, lp, key, size, kept: set, item: int, batch: int) -> int:
    if e.tensor == "new":
        per = e.numel * (e.itemsize or item)
        return per * batch if e.per_sample else per
    k = key[lp.inputs[e.index]] if e.tensor == "input" else key[lp.name]
    if k in kept:
        return 0
    kept.add(k)
    return size[k] * batch


def in_place_variant(prof):
    """The profile of the same spec with every layer that has an ``inplace`` argument run in
    place (ReLUs, as Caffe and CS231n's count assume), or None where no layer has one off."""
    import dataclasses
    from archlens.core.profile import profile

    def switched(layer):
        off = getattr(layer.args, "inplace", True) is False
        return dataclasses.replace(layer, args=dataclasses.replace(layer.args, inplace=True)) if off else layer
    layers = tuple(switched(layer) for layer in prof.spec.layers)
    if layers == prof.spec.layers:
        return None
    return profile(dataclasses.replace(prof.spec, layers=layers), dtype=prof.dtype)

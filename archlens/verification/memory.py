"""Hold the analytic memory figures (``archlens.core.memory``) against torch on the built model.

- inference peak: a TorchDispatchMode sees every tensor each op makes; weak references to their
  storages (``StorageWeakRef``) say when torch frees one, so the live bytes after every op are
  known exactly. Parameters and buffers are not activations and are left out.
- saved for backward: ``torch.autograd.graph.saved_tensors_hooks`` sees every tensor autograd
  saves in a training-mode forward pass; storages are counted once, parameters left out.
- training state: gradients and the state of torch.optim.SGD (momentum) and Adam after a step.
Live and saved bytes are measured on the CPU (the meta device makes batch-norm statistics at
inference that the CPU does not); gradients and optimizer state on the meta device (sizes only).
"""
from __future__ import annotations

import torch
from torch.multiprocessing.reductions import StorageWeakRef
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_leaves


def _storage(t: torch.Tensor):
    s = t.untyped_storage()
    return s._cdata, s


def _model_storages(model) -> set:
    return {_storage(t)[0] for t in [*model.parameters(), *model.buffers()]}


class _LiveBytes(TorchDispatchMode):
    """Live activation bytes after every op, the fullest moment per layer and overall."""

    def __init__(self, skip: set):
        super().__init__()
        self.skip, self.refs, self.layer = skip, {}, None
        self.per_layer: dict[str, int] = {}

    def track(self, tensors) -> None:
        for t in tensors:
            if isinstance(t, torch.Tensor):
                key, s = _storage(t)
                if key not in self.skip and (key not in self.refs or self.refs[key][0].expired()):
                    self.refs[key] = (StorageWeakRef(s), s.nbytes())

    def live(self) -> int:
        return sum(n for ref, n in self.refs.values() if not ref.expired())

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        self.track(tree_leaves((args, kwargs, out)))
        if self.layer is not None:
            self.per_layer[self.layer] = max(self.per_layer.get(self.layer, 0), self.live())
        return out


def _on_layers(model, names, enter):
    """Forward pre-hooks that name the running layer; returns their handles."""
    return [getattr(model, n).register_forward_pre_hook(lambda m, i, n=n: enter(n)) for n in names]


def measured_live(model, x: torch.Tensor, names) -> dict[str, int]:
    """Live activation bytes at each layer's fullest moment of an inference forward pass."""
    mode = _LiveBytes(_model_storages(model))
    mode.track([x])
    def enter(name: str) -> None:   # a layer that runs no op (a view, dropout at eval) peaks here
        mode.layer = name
        mode.per_layer[name] = mode.live()

    handles = _on_layers(model, names, enter)
    try:
        with torch.no_grad(), mode:
            model.eval()(x)
    finally:
        for h in handles:
            h.remove()
    return mode.per_layer


def measured_saved(model, x: torch.Tensor, names) -> dict[str, int]:
    """Bytes autograd saves for backward, per layer that first saves each storage."""
    skip, seen, current = _model_storages(model), set(), {"layer": None}
    per_layer = dict.fromkeys(names, 0)

    def pack(t: torch.Tensor):
        key, s = _storage(t)
        if key not in skip and key not in seen:
            seen.add(key)
            per_layer[current["layer"]] += s.nbytes()
        return t

    handles = _on_layers(model, names, lambda n: current.__setitem__("layer", n))
    try:
        with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            model.train()(x)
    finally:
        for h in handles:
            h.remove()
    return per_layer


def measured_training(model, x: torch.Tensor, optimizer: str) -> tuple[int, int]:
    """(gradient bytes, optimizer state bytes) after one step of ``optimizer`` on ``model``."""
    params = [p for p in model.parameters() if p.requires_grad]
    opt = {"sgd": lambda: torch.optim.SGD(params, lr=0.1),
           "sgd_momentum": lambda: torch.optim.SGD(params, lr=0.1, momentum=0.9),
           "adam": lambda: torch.optim.Adam(params)}[optimizer]()
    out = model.train()(x)
    sum(t.float().sum() for t in (out if isinstance(out, tuple) else (out,))).backward()
    opt.step()
    grads = sum(p.grad.untyped_storage().nbytes() for p in params if p.grad is not None)
    state = {_storage(t)[0]: _storage(t)[1].nbytes() for st in opt.state.values()
             for t in st.values() if isinstance(t, torch.Tensor)}
    return grads, sum(state.values())


MODEL = "(model)"   # the layer name of whole-model checks
CHECK_BATCH = 2     # a batch above 1, so a size that does not grow with it shows
_LIVE = "inference: live tensors at the layer's fullest moment (dispatch mode, storage weakrefs)"
_SAVED = "training: bytes first saved for backward here (saved_tensors_hooks, one per storage)"
TORCHINFO_WHY = ("torchinfo's forward/backward pass size is 2 x the outputs of layers with "
                 "parameters (x2 for gradients): it skips parameter-free layers, counts no "
                 "saved indices or masks, and shares no storage")
FVCORE_WHY = ("fvcore's activation count is the output elements of conv and linear ops only, "
              "a count, not bytes")


def memory_checks(spec, prof, check) -> list:
    """``check(layer, quantity, ours, theirs, source, reason)`` for every layer's live and saved
    bytes and for gradients and optimizer state, against torch on the meta device."""
    from archlens.core.memory import memory, training
    from archlens.nn.build import build_model
    names = [lp.name for lp in prof.layers]
    mem = memory(prof, CHECK_BATCH)
    with torch.device("meta"):   # built without data, then given uninitialised CPU memory:
        model = build_model(spec)  # sizes are all that count here, and init costs seconds
    model, x = model.to_empty(device="cpu"), torch.zeros(CHECK_BATCH, *spec.input)
    with torch.no_grad():   # zeros: stray denormals in fresh memory slow the CPU's kernels
        for t in [*model.parameters(), *model.buffers()]:
            t.zero_()
    live, saved = measured_live(model, x, names), measured_saved(model, x, names)
    x = x.to("meta")   # gradients and optimizer state have the same sizes without data
    out = []
    for lm in mem.layers:
        out += [check(lm.name, "live bytes", lm.live_bytes, live.get(lm.name), "torch", _LIVE),
                check(lm.name, "saved bytes", lm.saved_bytes, saved[lm.name], "torch", _SAVED)]
    for opt in ("sgd_momentum", "adam") if prof.totals.trainable_params else ():
        with torch.device("meta"):
            model = build_model(spec)
        grads, state = measured_training(model, x, opt)
        t = training(prof, CHECK_BATCH, opt)
        out += [check(MODEL, "gradient bytes", t.grads_bytes, grads, "torch", opt),
                check(MODEL, f"{opt} state bytes", t.optimizer_bytes, state, "torch", opt)]
    return out


def peer_memory_checks(prof, model, x, torchinfo_bytes: int, check) -> list:
    """torchinfo's forward/backward pass size and fvcore's activation count, each against what
    its documented rule predicts from our profile (batch 1)."""
    import logging
    from fvcore.nn import ActivationCountAnalysis
    from archlens.core.kinds import get_kind
    logging.getLogger("fvcore").setLevel(logging.ERROR)
    analysis = ActivationCountAnalysis(model, x).unsupported_ops_warnings(False)
    fv = analysis.uncalled_modules_warnings(False).total()
    ti_pred = 2 * sum(lp.activation_bytes for lp in prof.layers if lp.params.total)
    args = {layer.name: layer.args for layer in prof.spec.layers}
    fv_pred = sum(get_kind(lp.kind).fvcore_activations(args[lp.name], list(lp.in_shapes),
                                                       lp.out_shape) for lp in prof.layers)
    return [check(MODEL, "torchinfo forward/backward bytes", ti_pred, torchinfo_bytes,
                  "torchinfo", TORCHINFO_WHY),
            check(MODEL, "fvcore activations", fv_pred, fv, "fvcore", FVCORE_WHY)]

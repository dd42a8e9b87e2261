"""The "Memory" section of a model page: the four memory figures, each named for what it
counts (``archlens.core.memory``), and why tools disagree about "activation memory"."""
from __future__ import annotations

from archlens.core.memory import OPTIMIZER_STATE, in_place_variant, memory, training
from archlens.render import units
from archlens.site import mdtext as md

TRAIN_BATCH = 32   # a batch an engineer sizing a GPU might try; the CLI takes --batch


def memory_section(d) -> str | None:
    p = d.profile
    if not p.layers:
        return None
    m, mib = memory(p), units.mib_unit
    rows = [
        ["every layer's output, added", mib(m.outputs_bytes),
         "the sum of the table's *out* column: counts in-place results and views again"],
        ["distinct storages", mib(m.storage_bytes),
         "each tensor a forward pass allocates, once (views and in-place results share storage)"],
        ["inference peak", mib(m.peak_bytes),
         f"the most live tensors at once, at `{md.text(m.peak_layer)}` (eval, no gradients; "
         "input included; a tensor is freed after its last reader)"],
        ["saved for backward", mib(m.saved_bytes),
         "what autograd keeps from forward to backward in a training step (each storage once)"],
    ]
    variant = in_place_variant(p)
    if variant is not None:
        rows.insert(2, ["distinct storages, ReLUs in place", mib(memory(variant).storage_bytes),
                        "CS231n's count: each conv, pool and fc output once, as when every layer "
                        "with an `inplace` argument runs in place"])
    parts = ["## Memory", "",
             f"Batch 1, {p.dtype}; `archlens verify` holds the inference peak and saved bytes against "
             "torch on the built model (live bytes counted by a dispatch mode with storage "
             "weak references; saved tensors by `saved_tensors_hooks`).", "",
             md.table(["figure", "value", "what it counts"], rows, "lrl"), "",
             _training_table(p, memory(p, TRAIN_BATCH)), "", _peers_note(p)]
    return "\n".join(parts)


def _training_table(p, m) -> str:
    mib = units.mib_unit
    rows = []
    for opt in ("sgd", "sgd_momentum", "adam"):
        t = training(p, TRAIN_BATCH, opt, m)
        rows.append([md.text(opt), mib(t.params_bytes), mib(t.grads_bytes),
                     f"{mib(t.optimizer_bytes)} ({OPTIMIZER_STATE[opt]})", mib(t.saved_bytes),
                     f"**{mib(t.total_bytes)}**"])
    return (f"Training at batch {TRAIN_BATCH}: parameters + gradients + optimizer state + "
            "saved activations (the gradients of activations during backward come on top).\n\n"
            + md.table(["optimizer", "parameters", "gradients", "optimizer state",
                        "saved activations", "total"], rows, "lrrrrr"))


def _peers_note(p) -> str:
    with_params = sum(lp.activation_bytes for lp in p.layers if lp.params.total)
    return ("Other tools print other figures: torchinfo's *forward/backward pass size* is 2 x the "
            f"outputs of the layers with parameters ({units.mib_unit(2 * with_params)} here), "
            "skipping ReLU and pooling outputs, saved indices and masks; fvcore's activation "
            "count is the output elements of conv and linear layers only. CS231n's "
            "per-image count adds each conv, pool and fc output once, as with ReLUs in place: "
            "the *distinct storages* figure of a model whose ReLUs run in place.")


def memory_checks_md(cc: dict) -> list[str]:
    """The cross-check's whole-model memory lines: ours = torch, and the peers' figures."""
    lines = []
    for c in cc.get("memory", []):   # absent from cross-checks cached before memory checks
        mark = "ok" if c["ok"] else "**FAIL**"
        if c["source"] == "torch":
            lines.append(f"- {md.text(c['quantity'])} ({md.text(c['reason'])}, batch 2): "
                         f"{units.count(c['ours'])}, torch {units.count(c['theirs'])}: {mark}")
        else:
            lines.append(f"- **{c['source']}** {md.text(c['quantity'])} "
                         f"{units.count(c['theirs'])}, as its rule predicts ({mark}): "
                         f"{md.text(c['reason'])}")
    return [*lines, ""] if lines else []

"""The one registry of layer kinds.

Each kind is a class registered once with ``@register("name")``. It declares a typed
argument record (``Args``) and supplies small pure rules — ``shape``, ``params``, ``macs``,
``flops``, ``rf`` — plus ``build``, the only rule that touches torch (imported inside it).
Its ``flops_convention`` trait names how it counts FLOPs (``FLOPS_CONVENTIONS``).
It also states how torchinfo and fvcore count it, so the cross-check can explain every
difference by name. Duplicate registration and unknown kinds are errors.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

from archlens.errors import LayerProblem
from archlens.core.geometry import NO_PARAMS, RF, ZERO, Calc, Params, Shape, numel, tex_number
from archlens.core.kinds.args import NoArgs, suggest
from archlens.core.kinds.saved import Saved
from archlens.core.kinds.mistakes import catalogue

if TYPE_CHECKING:  # annotations only: core imports no torch when it loads
    import torch

KINDS: dict[str, "Kind"] = {}

# How a kind counts FLOPs: each kind names one (its ``flops_convention`` trait), and the
# registry-wide tests hold its ``flops`` rule against an oracle of that name computed from what
# torch runs (tests/test_kinds.py). Per sample, batch axis excluded.
FLOPS_CONVENTIONS = {
    "macs": "2 per MAC plus one add per output element where the layer has a bias "
            "(torch's FlopCounterMode counts the 2 per MAC, and no bias adds)",
    "per_element": "ops_per_element(args, inputs) operations per output element",
    "window_max": "one comparison per input element each output's window reads, after the "
                  "first: (r - 1) for a window of r elements",
    "window_mean": "(r - 1) adds and one divide, r in all, per output whose window reads r "
                   "input elements",
    "none": "no FLOPs: a view, a copy, or the identity at inference",
    "unknown": "not counted: an op archlens has no rule for (opaque); tables say unknown",
}


class Kind:
    """Base class of a layer kind. Subclasses override the rules that apply to them.

    Traits: what other modules need to know about a kind is a class attribute the kind
    declares, never a list of kind names kept elsewhere; users ask ``get_kind(name).trait``.
    The boolean traits (all False by default):

    ``weighted``
        A learned weight dense over the input channels (of its group) and one bias per
        output: the hand-calculation mistakes about weight counts and MACs apply (conv,
        linear).
    ``windowed``
        The output size follows ``conv_length`` over a kernel/stride/padding(/dilation/
        ceil_mode) window: the mistakes about output sizes apply (conv, maxpool, avgpool).
    ``merge``
        Combines two or more inputs of equal role element- or channel-wise; a diagram draws
        every input edge solid (add, concat).
    ``reference_input``
        Inputs after the first are a reference read for geometry only, not data; a diagram
        labels their edges "reference" (crop).
    ``flattening``
        Only reshapes a (C, H, W) map into a feature vector: convolutionalization drops it,
        the convolution after it reads the map itself (flatten).
    ``fully_connected``
        Every output reads every input feature through its own weight: convolutionalization
        rewrites it as a convolution covering its whole input (FCN Sec. 3.1) (linear).
    ``spatial_pyramid``
        Pools any map size into a fixed-length vector: SPPNet's per-region network starts at
        it, after the convolutions shared by the whole image (spp).

    True by default:

    ``counted``
        Its MACs and FLOPs are known; False where they are not (opaque): tables print
        "unknown" and totals "at least N", never a silent 0.
    ``buildable``
        ``build`` gives a torch module; False where none can exist (opaque).

    ``own_mistakes`` (a tuple of ``mistakes.Rule``) holds the hand-calculation slips of the
    kind's own formulas; ``mistakes()`` adds the shared ones and those of its traits.
    """

    name: str = ""
    Args: type = NoArgs
    arity: int | None = 1          # number of inputs; None means "two or more", 0 "any number"
    width_arg: str | None = None   # argument a width multiplier scales (out_channels, ...)
    # (arguments, input shapes) the registry-wide tests build and check against torch;
    # every kind must give at least one, so a new kind is tested without editing tests/.
    examples: list = []
    # one of FLOPS_CONVENTIONS; every kind states its own (None fails the registry-wide tests)
    flops_convention: str | None = None
    # traits (see the class docstring)
    weighted: bool = False
    windowed: bool = False
    merge: bool = False
    reference_input: bool = False
    flattening: bool = False
    fully_connected: bool = False
    spatial_pyramid: bool = False
    counted: bool = True
    buildable: bool = True
    # memory trait (archlens.core.memory): the output is a view of input 0, sharing its storage
    view: bool = False

    # the hand-calculation mistakes of this kind's own formulas (core/kinds/own_mistakes.py);
    # the shared and trait-driven ones come with ``mistakes()``
    own_mistakes: tuple = ()

    def mistakes(self) -> tuple:
        """The typical hand-calculation mistakes for this kind (core/kinds/mistakes.py)."""
        return catalogue(self)

    def shape(self, a: Any, ins: list[Shape]) -> Shape:
        raise NotImplementedError

    def params(self, a: Any, ins: list[Shape]) -> Params:
        """Learnable parameters; parameter-free kinds have none."""
        return NO_PARAMS

    def macs(self, a: Any, ins: list[Shape], out: Shape) -> Calc:
        """Multiply-accumulates; only weighted kinds (conv, linear, ...) have any."""
        return ZERO

    def flops(self, a: Any, ins: list[Shape], out: Shape) -> Calc:
        """Floating-point operations; default 2 per MAC plus one add per bias element used."""
        return _two_macs_plus_bias(self.macs(a, ins, out), self.params(a, ins), out)

    def counts(self, a: Any, ins: list[Shape], out: Shape) -> tuple[Params, Calc, Calc]:
        """(params, macs, flops) of one layer, as the three methods give them; the default
        ``flops`` is derived from the other two here instead of computing them again."""
        params, macs = self.params(a, ins), self.macs(a, ins, out)
        if type(self).flops is Kind.flops:
            return params, macs, _two_macs_plus_bias(macs, params, out)
        return params, macs, self.flops(a, ins, out)

    def ops_per_element(self, a: Any, ins: list[Shape]) -> int:
        """Operations per output element, for kinds whose ``flops_convention`` is per_element."""
        raise NotImplementedError(f"{self.name}: flops_convention {self.flops_convention!r} "
                                  f"has no per-element count")

    def rf(self, a: Any, in_rfs: list[RF | None]) -> RF | None:
        """Receptive field of the output; default: unchanged (pointwise kinds)."""
        return in_rfs[0]

    def build(self, a: Any, ins: list[Shape]) -> torch.nn.Module:
        raise NotImplementedError

    # Worked calculations for worksheets: values equal ``shape`` and ``rf``'s (tests hold them).
    def shape_calc(self, a: Any, ins: list[Shape], out: Shape) -> list[Calc]:
        """One ``Calc`` per output axis; default: each axis as the input's (pointwise kinds)."""
        names = _axis_names(out)
        if tuple(out) == tuple(ins[0]):
            return [Calc(v, rf"{n}_{{in}}", tex_number(v)) for n, v in zip(names, out)]
        return [Calc(v, f"{n}_{{out}}", tex_number(v)) for n, v in zip(names, out)]

    def rf_with_shapes(self, a: Any, ins: list[Shape], in_rfs: list[RF | None]) -> RF | None:
        """``rf`` where the input shapes matter too (the profile calls this); default ``rf``.
        A merge gives no field where an input is broadcast over positions; an upsampling to a
        size has a scale that depends on the input size."""
        return self.rf(a, in_rfs)

    def warning(self, a: Any, ins: list[Shape], in_rfs: list[RF | None]) -> LayerProblem | None:
        """A finding the profile reports as a ``ProfileWarning`` (stderr in the CLI) and goes
        on, e.g. a merge of misaligned inputs; its ``message(inputs)`` names the inputs."""
        return None

    def rf_calc(self, a: Any, in_rfs: list[RF | None], out_rf: RF | None) -> list[Calc]:
        """Receptive-field size per axis (h, w); default: unchanged; [] where there is none."""
        if out_rf is None:
            return []
        return [Calc(r, "r", tex_number(r)) for r in out_rf.size]

    def worked_facts(self, a: Any, ins: list[Shape], in_rfs: list[RF | None]) -> list[tuple[str, Calc]]:
        """Extra worked lines (LaTeX symbol, Calc) a worksheet shows with the output shape,
        for facts the shape follows from (a crop's offset); default none."""
        return []

    def extra(self, a: Any, ins: list[Shape], in_rfs: list[RF | None]) -> dict:
        """Kind-specific facts for the profile (JSON fields), e.g. a crop's derived offset."""
        return {}

    def build_in_context(self, a: Any, ins: list[Shape], facts: dict) -> torch.nn.Module:
        """``build`` for kinds that need profile facts (``extra``), e.g. a crop's offset."""
        return self.build(a, ins)

    def footprint(self, a: Any, ins: list[Shape], out: Shape) -> torch.nn.Module | None:
        """Module used by verify's receptive-field footprint in place of ``build``'s, or None.

        Kinds whose gradient does not reach every input of the window (max pooling) or that
        mix channels in non-positive ways (normalisations) return a stand-in of equal geometry.
        """
        return None

    # Memory rules (archlens.core.memory), each held against torch by the registry-wide tests.
    def in_place(self, a: Any) -> bool:
        """True where the built module writes its output into input 0's storage; default: the
        kind's ``inplace`` argument where it has one, else False (as ``build`` decides)."""
        return bool(getattr(a, "inplace", False))

    def aliases(self, a: Any, training: bool) -> bool:
        """True where the output shares input 0's storage (a view, or in place) in this mode."""
        return self.view or self.in_place(a)

    def saved(self, a: Any, ins: list[Shape], out: Shape, trainable: bool) -> list[Saved]:
        """Tensors autograd keeps for this layer's backward, parameters aside (``saved.py``);
        ``trainable``: the layer's parameters take gradients. Default: none."""
        return []

    def scratch(self, a: Any, ins: list[Shape], out: Shape, itemsize: int) -> int:
        """Bytes per sample of temporaries the built module holds beside its inputs and output at
        its fullest moment, at inference (max pooling's int64 indices); default none. Workspace
        inside one kernel (im2col, cuDNN) is not a tensor and is not counted."""
        return 0

    # How the peers count this kind: (value, reason). Used only by verify's cross-check.
    def torchinfo_macs(self, a: Any, ins: list[Shape], out: Shape) -> tuple[int, str]:
        return 0, "torchinfo counts mult-adds only for layers with parameters"

    def fvcore_flops(self, a: Any, ins: list[Shape], out: Shape) -> tuple[int, str]:
        return 0, "fvcore has no handle for this op and counts 0"

    def fvcore_activations(self, a: Any, ins: list[Shape], out: Shape) -> int:
        """Output elements fvcore's ActivationCountAnalysis counts: conv and linear ops only."""
        return 0


def _two_macs_plus_bias(macs: Calc, params: Params, out: Shape) -> Calc:
    if macs.value == 0:
        return ZERO
    if params.bias.value == 0:
        return Calc(2 * macs.value, r"2 \cdot \mathrm{MACs}", rf"2 \cdot {tex_number(macs.value)}")
    adds = numel(out)   # the sum of the two Calcs, written at once
    return Calc(2 * macs.value + adds, r"2 \cdot \mathrm{MACs} + \mathrm{bias\ adds}",
                rf"2 \cdot {tex_number(macs.value)} + {tex_number(adds)}")


def _axis_names(shape: Shape) -> list[str]:
    return ["C", "H", "W"] if len(shape) == 3 else ["F"] * len(shape)



def register(name: str) -> Callable[[type[Kind]], type[Kind]]:
    """Class decorator: register a kind under ``name``; registering a name twice raises."""
    def deco(cls: type[Kind]) -> type[Kind]:
        if name in KINDS:
            raise ValueError(f"layer kind '{name}' is registered twice "
                             f"({type(KINDS[name]).__name__} and {cls.__name__})")
        cls.name = name
        KINDS[name] = cls()
        return cls
    return deco


def get_kind(name: object) -> Kind:
    """The registered kind, or a LayerProblem that lists the known kinds."""
    if not isinstance(name, str) or name not in KINDS:
        hint = suggest(str(name), KINDS)
        raise LayerProblem(f"unknown kind '{name}'{hint} (known kinds: {', '.join(sorted(KINDS))})")
    return KINDS[name]

"""Mistakes about one kind's own formula; each kind names its set as ``own_mistakes``.

Convolution: a 3x3 kernel assumed where the layer is 1x1 (VGG configuration C's conv3_3,
FCN's score_fr), k·C_in·C_out. Transposed convolution (Long et al., CVPR 2015, Sec. 3.3): the
convolution's formulas used backwards. Spatial pyramid pooling (He et al., TPAMI 2015, Sec. 2.3
and Fig. 3): another pyramid, n for n², the channels forgotten. Crop (FCN's Crop layer): the
reference's channels or field taken for the cropped input's.
"""
from __future__ import annotations

from archlens.core.kinds.mistakes import Rule, RuleInput, c_in, only_if, with_bias

# --- convolution -----------------------------------------------------------------------------


def _one_by_one(f: RuleInput) -> bool:
    return tuple(f.args.kernel_size) == (1, 1)


def _k_times_cin_cout(f: RuleInput):
    kh, kw = f.args.kernel_size
    if kh != kw:
        return None
    return with_bias(f, kh * c_in(f) // f.args.groups * f.args.out_channels)


def _three_by_three_params(f: RuleInput):
    return with_bias(f, 9 * f.lp.params.weight.value)


def _three_by_three_macs(f: RuleInput):
    return 9 * f.lp.macs.value


K_NOT_SQUARED = Rule(
    "k_not_squared", "params", _k_times_cin_cout,
    "You used k·C_in·C_out instead of k²·C_in·C_out: a k×k kernel has k·k weights per input "
    "channel.")

CONV: tuple[Rule, ...] = (
    K_NOT_SQUARED,
    Rule("kernel_3x3_not_1x1", "params", only_if(_one_by_one, _three_by_three_params),
         "You used a 3×3 kernel, but this layer's kernel is 1×1: its weight is 1·1·C_in·C_out."),
    Rule("kernel_3x3_not_1x1_macs", "macs", only_if(_one_by_one, _three_by_three_macs),
         "You used a 3×3 kernel, but this layer's kernel is 1×1: one MAC per input channel, "
         "output channel and output position."),
    Rule("macs_per_position_missing", "macs", lambda f: f.lp.params.weight.value,
         "You gave the weight count: each weight is used once per output position, so multiply "
         "by H_out·W_out."),
)

# --- transposed convolution ------------------------------------------------------------------


def _deconv_axes(f: RuleInput):
    a = f.args
    return zip(f.lp.in_shapes[0][1:], a.kernel_size, a.stride, a.padding, a.dilation,
               a.output_padding)


def _deconv_shape(f: RuleInput, length):
    """(C_out, H, W) with ``length(n, k, s, p, d, op)`` per axis; None where one is None or < 1."""
    hw = [length(*axis) for axis in _deconv_axes(f)]
    return None if None in hw or min(hw) < 1 else (f.lp.out_shape[0], *hw)


def _conv_formula(n, k, s, p, d, op):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _times_stride(n, k, s, p, d, op):
    return n * s


def _padding_added(n, k, s, p, d, op):
    return (n - 1) * s + 2 * p + d * (k - 1) + 1 + op


def _output_padding_left_out(n, k, s, p, d, op):
    return (n - 1) * s - 2 * p + d * (k - 1) + 1


def _macs_over_outputs(f: RuleInput):
    """The convolution's MAC rule: every weight once per OUTPUT position."""
    _, h, w = f.lp.out_shape
    return f.lp.params.weight.value * h * w


def _jump_times_stride(f: RuleInput):
    """r + (k−1)·d·j·s: the jump multiplied by the stride, as a convolution does."""
    rf = f.in_rfs[0] if f.in_rfs else None
    if rf is None or f.lp.rf is None:
        return None
    a = f.args
    return tuple(r + (k - 1) * d * j * s for r, j, k, s, d in
                 zip(rf.size, rf.jump, a.kernel_size, a.stride, a.dilation))


DECONV_RULE = "(H_in − 1)·s − 2p + k (+ output_padding)"

DECONV: tuple[Rule, ...] = (
    K_NOT_SQUARED,
    Rule("deconv_conv_formula", "out_shape", lambda f: _deconv_shape(f, _conv_formula),
         f"You used the convolution formula ⌊(n + 2p − k)/s⌋ + 1, which shrinks the map: a "
         f"transposed convolution grows it, H_out = {DECONV_RULE}."),
    Rule("deconv_times_stride", "out_shape", lambda f: _deconv_shape(f, _times_stride),
         f"You multiplied the input size by the stride: a transposed convolution gives "
         f"H_out = {DECONV_RULE}, which is H_in·s only when k − 2p (+ output_padding) = s."),
    Rule("deconv_padding_added", "out_shape",
         only_if(lambda f: any(f.args.padding), lambda f: _deconv_shape(f, _padding_added)),
         f"You added the padding: in a transposed convolution p removes p rows and columns from "
         f"each side of the full output, H_out = {DECONV_RULE}."),
    Rule("deconv_output_padding_left_out", "out_shape",
         only_if(lambda f: any(f.args.output_padding),
                 lambda f: _deconv_shape(f, _output_padding_left_out)),
         f"You left out output_padding: it adds rows and columns at the bottom and right, "
         f"H_out = {DECONV_RULE}."),
    Rule("deconv_macs_per_output", "macs", _macs_over_outputs,
         "You multiplied the weights by the OUTPUT positions, as for a convolution: a transposed "
         "convolution uses each weight once per INPUT position, MACs = H_in·W_in·C_in·C_out·k_h·k_w."),
    Rule("deconv_macs_per_input_missing", "macs", lambda f: f.lp.params.weight.value,
         "You gave the weight count: a transposed convolution uses each weight once per input "
         "position, so multiply by H_in·W_in."),
    Rule("deconv_jump_times_stride", "rf", _jump_times_stride,
         "You multiplied the jump by the stride, as for a convolution: a transposed convolution "
         "divides it (its output units are j/s input pixels apart), so each tap adds j/s, not j·s."),
)

# --- spatial pyramid pooling -----------------------------------------------------------------

FIG3_LEVELS = (4, 2, 1)        # TPAMI Fig. 3: the 3-level pyramid drawn in the paper, 21 bins
DETECTION_LEVELS = (6, 3, 2, 1)  # TPAMI Sec. 4.2: the detection pyramid, 50 bins


def _pyramid(levels: tuple[int, ...]):
    def wrong(f: RuleInput):
        return (c_in(f) * sum(n * n for n in levels),) if tuple(f.args.levels) != levels else None
    return wrong


SPP: tuple[Rule, ...] = (
    Rule("spp_fig3_pyramid", "out_shape", _pyramid(FIG3_LEVELS),
         "You used the pyramid of the paper's Fig. 3 ({4×4, 2×2, 1×1}, 21 bins): sum n² over "
         "this layer's own levels, F = C·Σn²."),
    Rule("spp_detection_pyramid", "out_shape", _pyramid(DETECTION_LEVELS),
         "You used the paper's detection pyramid ({6×6, 3×3, 2×2, 1×1}, 50 bins): sum n² over "
         "this layer's own levels, F = C·Σn²."),
    Rule("spp_n_not_squared", "out_shape", lambda f: (c_in(f) * sum(f.args.levels),),
         "You summed n instead of n²: level n pools into n×n bins, so F = C·Σn²."),
    Rule("spp_forgot_channels", "out_shape", lambda f: (sum(n * n for n in f.args.levels),),
         "You counted bins, not features: every bin holds one value per channel, so F = C·Σn²."),
)

# --- crop --------------------------------------------------------------------------------------


def _reference_channels(f: RuleInput):
    return tuple(f.lp.in_shapes[1]) if len(f.lp.in_shapes[1]) == 3 else None


def _reference_field(f: RuleInput):
    return f.in_rfs[1].size if len(f.in_rfs) > 1 and f.in_rfs[1] is not None else None


CROP: tuple[Rule, ...] = (
    Rule("crop_kept_input_size", "out_shape", lambda f: tuple(f.lp.in_shapes[0]),
         "You kept the input's size: a crop cuts its first input to the height and width of "
         "the second (the reference)."),
    Rule("crop_reference_channels", "out_shape", _reference_channels,
         "You took the reference's channels: a crop keeps the channels of the input it cuts; "
         "only H and W come from the reference."),
    Rule("crop_reference_field", "rf", _reference_field,
         "You gave the reference's receptive field: a crop only selects units of its first "
         "input, so each keeps that input's field."),
)

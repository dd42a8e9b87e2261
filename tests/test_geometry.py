"""One-axis formulas against PyTorch as the oracle, over many random cases."""
from fractions import Fraction

import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from latex_arith import evaluate

from archlens.core.geometry import (RF, conv_length, conv_length_calc, deconv_length, deconv_length_calc,
                               rf_step, rf_step_calc)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 3),
       ceil=st.booleans())
def test_pool_length_matches_torch(n, k, s, p, ceil):
    if 2 * p > k or n + 2 * p < k:
        return
    out = torch.nn.functional.max_pool2d(torch.zeros(1, 1, n, 1), (k, 1), (s, 1), (p, 0),
                                         ceil_mode=ceil).shape[2]
    assert conv_length(n, k, s, p, 1, ceil) == out


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 4),
       d=st.integers(1, 3))
def test_conv_length_matches_torch(n, k, s, p, d):
    if n + 2 * p < d * (k - 1) + 1:
        return
    out = torch.nn.functional.conv2d(torch.zeros(1, 1, n, 1), torch.zeros(1, 1, k, 1),
                                     stride=(s, 1), padding=(p, 0), dilation=(d, 1)).shape[2]
    assert conv_length(n, k, s, p, d) == out


def test_rf_step_hand_calculation():
    # two 3x3 convs see 5x5 (VGG Sec. 2.3); a 2x2/2 pool then doubles the jump
    rf = RF.identity()
    for _ in range(2):
        rf = rf_step(rf, (3, 3), (1, 1), (1, 1))
    assert rf.size == (5, 5)
    rf = rf_step(rf, (2, 2), (2, 2), (0, 0))
    assert rf.size == (6, 6) and rf.jump == (2, 2) and rf.start == (Fraction(1, 2),) * 2


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 3),
       d=st.integers(1, 3), ceil=st.booleans())
def test_conv_length_working_evaluates_to_its_value(n, k, s, p, d, ceil):
    """Including ceil mode's correction where the last window would start in the padding."""
    if n + 2 * p < d * (k - 1) + 1:
        return
    calc = conv_length_calc("H", n, k, s, p, d, ceil)
    assert evaluate(calc.working) == calc.value == conv_length(n, k, s, p, d, ceil)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 3),
       d=st.integers(1, 3), op=st.integers(0, 3))
def test_deconv_length_working_evaluates_to_its_value(n, k, s, p, d, op):
    calc = deconv_length_calc("W", n, k, s, p, d, op)
    assert evaluate(calc.working) == calc.value == deconv_length(n, k, s, p, d, op)


@given(r=st.fractions(1, 50, max_denominator=64), k=st.integers(1, 7), d=st.integers(1, 3),
       j=st.fractions(Fraction(1, 32), 32, max_denominator=64))
def test_rf_step_working_evaluates_to_its_value(r, k, d, j):
    calc = rf_step_calc(r, k, d, j)
    assert evaluate(calc.working) == calc.value

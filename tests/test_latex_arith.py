"""The working-string evaluator (tests/latex_arith.py) against hand-evaluated LaTeX."""
from fractions import Fraction

import pytest
from latex_arith import NotArithmetic, evaluate


@pytest.mark.parametrize("working,value", [
    (r"3 \cdot 3 \cdot 3 \cdot 64 + 64", 1792),
    (r"25{,}088 \cdot 4{,}096 + 4096", 102_764_544),
    (r"\left\lfloor \frac{224 + 2 \cdot 0 - 2}{2} \right\rfloor + 1", 112),
    (r"\left\lceil \frac{13 + 2 \cdot 0 - 3}{2} \right\rceil + 1", 6),
    (r"\left\lceil \frac{2 + 2 \cdot 1 - 2}{3} \right\rceil + 1 - 1 \;\text{(last window would "
     r"start in the padding)}", 1),
    (r"\left\lfloor \frac{19 + 2 \cdot 2 - 2(5-1) - 1}{1} \right\rfloor + 1", 15),
    (r"6 + (3 - 1) \cdot 2", 10),
    (r"\tfrac{7}{2} + (3 - 1) \cdot \tfrac{1}{2}", Fraction(9, 2)),
    (r"\max(5, \tfrac{15}{2}, 7)", Fraction(15, 2)),
    (r"2 \cdot \left( 3 \cdot 4 - 2 \cdot 2 + 1 \cdot 1 - 1 \cdot 1 \right)", 16),
    (r"-2 + 5 - (1 - 4)", 6),
])
def test_evaluates_hand_examples(working, value):
    assert evaluate(working) == value


@pytest.mark.parametrize("working", [
    "1,234",                       # a plain comma is not a thousands separator here
    r"2 \cdot",                    # dangling operator
    r"\frac{1}{2",                 # unclosed group
    r"\left\lfloor 7 \right\rceil",  # mismatched bracket
    r"\text{no learnable parameters}",  # a remark, no arithmetic
    r"k_h \cdot 3",                # a symbol, not a number
    r"4{,}09",                     # a malformed separator
])
def test_rejects_what_is_not_arithmetic(working):
    with pytest.raises(NotArithmetic):
        evaluate(working)

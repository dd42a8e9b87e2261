"""Evaluate the arithmetic LaTeX that ``Calc.working`` strings are written in, exactly.

An oracle for worksheets: a working must evaluate to its ``Calc.value``. The grammar is what
the kinds emit, and nothing more, so a new notation fails loudly here instead of passing:

    25{,}088                       numbers, ``{,}`` thousands separators
    a + b, a - b, -a               sums and signs
    a \\cdot b, 2(3 - 1)            products, explicit or by juxtaposition
    (...), \\left( ... \\right), {...}
    \\frac{a}{b}, \\tfrac{a}{b}      exact division (Fractions)
    \\left\\lfloor ... \\right\\rfloor, \\left\\lceil ... \\right\\rceil (also bare \\lfloor ...)
    \\max(a, b, ...), \\min(a, b, ...)
    \\;\\text{(a remark)}            a remark: spacing and \\text{...} are not arithmetic

A plain comma inside a number (``1,234``) is not arithmetic (it reads as a list): an error.
A working with no arithmetic at all (only ``\\text{...}``) raises ``NotArithmetic``.
"""
from __future__ import annotations

import math
import re
from fractions import Fraction


class NotArithmetic(ValueError):
    """The working is not an arithmetic expression this grammar knows."""


_TOKEN = re.compile(r"""
    (?P<num>\d+(?:\{,\}\d{3})*)
  | (?P<cmd>\\left\\lfloor|\\right\\rfloor|\\left\\lceil|\\right\\rceil|\\left\(|\\right\)
           |\\lfloor|\\rfloor|\\lceil|\\rceil|\\frac|\\tfrac|\\dfrac|\\cdot|\\times|\\max|\\min)
  | (?P<op>[-+(){},])
  | (?P<space>\s+|\\[;,!]|\\quad)
    """, re.VERBOSE)
_TEXT = re.compile(r"\\text\{[^{}]*\}")
_CLOSE = {"(": ")", r"\left(": r"\right)", "{": "}", r"\left\lfloor": r"\right\rfloor",
          r"\left\lceil": r"\right\rceil", r"\lfloor": r"\rfloor", r"\lceil": r"\rceil"}
_ROUND = {r"\left\lfloor": math.floor, r"\lfloor": math.floor,
          r"\left\lceil": math.ceil, r"\lceil": math.ceil}


def tokens(working: str) -> list[str]:
    text = _TEXT.sub(" ", working)
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            raise NotArithmetic(f"cannot read {text[pos:pos + 20]!r} in {working!r}")
        if m.lastgroup != "space":
            out.append(m.group())
        pos = m.end()
    if not out:
        raise NotArithmetic(f"no arithmetic in {working!r}")
    return out


class _Parser:
    def __init__(self, toks: list[str], source: str):
        self.toks, self.i, self.source = toks, 0, source

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, expected=None) -> str:
        tok = self.peek()
        if tok is None or (expected is not None and tok != expected):
            raise NotArithmetic(f"expected {expected or 'more'} at token {self.i} "
                                f"({tok!r}) in {self.source!r}")
        self.i += 1
        return tok

    def expr(self) -> Fraction:
        value = self.term()
        while self.peek() in ("+", "-"):
            value = value + self.term() if self.take() == "+" else value - self.term()
        return value

    def term(self) -> Fraction:
        value = self.factor()
        while True:
            if self.peek() in (r"\cdot", r"\times"):
                self.take()
            elif not self._starts_atom(self.peek()):
                return value
            value *= self.factor()

    def factor(self) -> Fraction:
        if self.peek() == "-":
            self.take()
            return -self.factor()
        return self.atom()

    @staticmethod
    def _starts_atom(tok) -> bool:
        return tok is not None and (tok[0].isdigit() or tok in _CLOSE or tok in
                                    (r"\frac", r"\tfrac", r"\dfrac", r"\max", r"\min"))

    def atom(self) -> Fraction:
        tok = self.take()
        if tok[0].isdigit():
            return Fraction(int(tok.replace("{,}", "")))
        if tok in (r"\frac", r"\tfrac", r"\dfrac"):
            num = self.group()
            return num / self.group()
        if tok in (r"\max", r"\min"):
            self.take("(")
            values = [self.expr()]
            while self.peek() == ",":
                self.take()
                values.append(self.expr())
            self.take(")")
            return max(values) if tok == r"\max" else min(values)
        if tok in _CLOSE:
            value = self.expr()
            self.take(_CLOSE[tok])
            return Fraction(_ROUND[tok](value)) if tok in _ROUND else value
        raise NotArithmetic(f"unexpected {tok!r} in {self.source!r}")

    def group(self) -> Fraction:
        self.take("{")
        value = self.expr()
        self.take("}")
        return value


def evaluate(working: str) -> Fraction:
    """The exact value of an arithmetic working string; NotArithmetic where it is not one."""
    parser = _Parser(tokens(working), working)
    value = parser.expr()
    if parser.peek() is not None:
        raise NotArithmetic(f"unexpected {parser.peek()!r} after the expression in {working!r}")
    return value

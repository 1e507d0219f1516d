"""The precision a value card asks for, and the one rule that judges a number by it."""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction

# --------------------------------------------------------------------------- precision


@dataclass(frozen=True)
class Precision:
    """The precision a value card asks for; the tolerance follows from it, the same in every family.

    A response is right when it lies within half a unit of the last asked place of the exact
    value (plus a tiny epsilon for float noise): every correctly rounded response does, and so
    does a more precise one; a response rounded the wrong way does not.
    """

    kind: str  # "decimals" | "sig" | "exact"
    n: int = 0

    @classmethod
    def decimals(cls, n: int) -> "Precision":
        if n < 0:
            raise ValueError("decimal places must be >= 0")
        return cls("decimals", n)

    @classmethod
    def sig(cls, n: int) -> "Precision":
        if n < 1:
            raise ValueError("significant figures must be >= 1")
        return cls("sig", n)

    @classmethod
    def exact(cls) -> "Precision":
        return cls("exact", 0)

    @property
    def text(self) -> str:
        """How a prompt states it: ``to 2 decimal places``, ``to 3 significant figures``, ``exactly (...)``."""
        if self.kind == "decimals":
            return f"to {counted(self.n, 'decimal place')}"
        if self.kind == "sig":
            return f"to {counted(self.n, 'significant figure')}"
        return "exactly (a fraction such as p/q is fine)"

    @property
    def instruction(self) -> str:
        """The sentence a value prompt ends with: ``Give it to 2 decimal places.``"""
        return f"Give it {self.text}."

    def unit(self, expected: float) -> float:
        """One unit in the last asked place of ``expected`` (0 for exact)."""
        if self.kind == "decimals":
            return 10.0 ** -self.n
        if self.kind == "sig":
            if expected == 0 or not math.isfinite(expected):
                return 0.0
            return 10.0 ** (math.floor(math.log10(abs(expected))) - self.n + 1)
        return 0.0

    def tolerance(self, expected: float) -> float:
        """Half a unit in the last asked place, plus a tiny epsilon (so a rounded tie is accepted)."""
        eps = 1e-9 * max(1.0, abs(expected))
        return self.unit(expected) / 2 + eps

    def format(self, x: float) -> str:
        """``x`` written at this precision: ``0.59``, ``0.590``, ``3/8``."""
        x = float(x)
        if not math.isfinite(x):
            return str(x)
        if self.kind == "decimals":
            s = f"{x:.{self.n}f}"
            return s[1:] if re.fullmatch(r"-0\.?0*", s) else s
        if self.kind == "sig":
            if x == 0:
                return "0"
            if not 1e-4 <= abs(x) < 1e6:
                return f"{x:.{self.n - 1}e}"
            places = self.n - 1 - math.floor(math.log10(abs(x)))
            r = round(x, places)
            if r != 0 and math.floor(math.log10(abs(r))) != math.floor(math.log10(abs(x))):
                places -= 1  # 0.0996 -> 0.100 has one figure too many after rounding up
                r = round(x, places)
            return f"{r:.{max(places, 0)}f}"
        return exact_text(x)


def exact_text(x: float) -> str:
    """An exact value as typed: ``3``, ``-3/8``, or the float itself when it is no small fraction."""
    if float(x).is_integer() and abs(x) < 1e15:
        return str(int(x))
    f = Fraction(x).limit_denominator(10_000)
    if abs(float(f) - x) <= 1e-12 * max(1.0, abs(x)):
        return f"{f.numerator}/{f.denominator}"
    return repr(float(x))

def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``1 dimension``, ``2 dimensions``."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"

"""A check for a set of unordered index pairs, such as the antipodal pairs of a trained model.

Accepted spellings: ``(0, 3), (1, 2)``, ``[[0, 3], [1, 2]]``, ``0-3, 1-2``, ``0&3 1&2``,
``{3, 0}`` for a single pair, and ``none`` for no pair. Order inside and between pairs
does not matter.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from exercises.base import Verdict
from exercises.checking import Check

Pair = tuple[int, int]


def _norm(pairs) -> frozenset[Pair]:
    return frozenset(tuple(sorted((int(a), int(b)))) for a, b in pairs)


def format_pairs(pairs) -> str:
    ps = sorted(_norm(pairs))
    return ", ".join(f"({a}, {b})" for a, b in ps) or "none"


def parse_pairs(text: str) -> frozenset[Pair]:
    """The pairs in ``text``; ValueError with a reason when it is not a list of pairs."""
    s = text.strip().lower()
    if s in {"none", "no", "nothing", "no pairs", "{}", "[]", "()", "set()", "-", "0 pairs"}:
        return frozenset()
    numbers = re.findall(r"\d+", s)
    leftover = re.sub(r"\d+|[\s,;()\[\]{}&/–—-]|and", "", s)
    if leftover or not numbers:
        raise ValueError(f"cannot read {text.strip()!r}; write pairs like (0, 3), (1, 2) or none")
    if len(numbers) % 2:
        raise ValueError("an odd number of indices: write whole pairs like (0, 3), (1, 2)")
    ints = [int(n) for n in numbers]
    pairs = [(ints[k], ints[k + 1]) for k in range(0, len(ints), 2)]
    if any(a == b for a, b in pairs):
        raise ValueError("a pair needs two different features")
    return _norm(pairs)


@dataclass(frozen=True)
class PairsCheck(Check):
    expected: frozenset[Pair]
    noun: str = "pair"

    @property
    def expected_text(self) -> str:
        return format_pairs(self.expected)

    def check(self, response: str) -> Verdict:
        try:
            got = parse_pairs(response)
        except ValueError as e:
            return Verdict(False, str(e), self.expected_text)
        exp = _norm(self.expected)
        if got == exp:
            return Verdict(True, f"right {self.noun}s" if exp else "right: there is none", self.expected_text)
        if not exp:
            return Verdict(False, f"there is no such {self.noun}", self.expected_text)
        if not got:
            return Verdict(False, f"there {'is' if len(exp) == 1 else 'are'} {len(exp)}", self.expected_text)
        missing, extra = sorted(exp - got), sorted(got - exp)
        parts = []
        if missing:
            parts.append(f"missing {format_pairs(missing)}")
        if extra:
            parts.append(f"{format_pairs(extra)} {'is' if len(extra) == 1 else 'are'} not")
        return Verdict(False, "; ".join(parts), self.expected_text)

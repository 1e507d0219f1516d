"""A frequency solver's honest score (issue 18): its expected success, ties picked at random.

A stranger who remembers a family's other seeds answers with their most frequent answer (or the
``k`` most frequent). Cases are drawn in balanced blocks, and leaving the card out puts its own
answer one short of its equals, so "first seen" or "strictly most frequent" would never pick the
card's own answer: a stranger guessing 3 of 5 equally likely layouts would score 0 instead of 60%.
Here counts one apart are a tie, the learner picks among the tied answers at random, and the
solver scores the probability that a tried answer is accepted. The write-form solvers
(:mod:`exercises.solvers`) and the task-form solvers (:mod:`exercises.task_solvers`) share it.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from math import comb


@dataclass
class Guess:
    """A solver's responses to one card: those it surely tries, and where its ranking ties at the
    cut, the tied responses of which it tries ``pick`` at random (None: a response it cannot build)."""

    sure: list[str | None] = field(default_factory=list)
    tied: list[str | None] = field(default_factory=list)
    pick: int = 0

    def chance(self, accepted: Callable[[str], bool]) -> float:
        """The probability that one of the tried responses is accepted."""
        if any(r and accepted(r) for r in self.sure):
            return 1.0
        if not self.tied or not self.pick:
            return 0.0
        hits = sum(bool(r and accepted(r)) for r in self.tied)
        return 1 - comb(len(self.tied) - hits, self.pick) / comb(len(self.tied), self.pick)

    def responses(self) -> list[str]:
        return [r for r in (*self.sure, *self.tied) if r]


def top_k(counts: Counter, k: int, respond: Callable[[Hashable], str | None]) -> Guess:
    """The guess of a learner who tries the ``k`` most frequent keys of ``counts`` (the other seeds'
    answers); ``respond`` turns a key into the response typed. Counts within one of the ``k``-th
    key's are a tie, picked among at random: leaving the card out lowers its own answer's count by
    one, so with cases drawn in balanced blocks its answer is always one short of its equals."""
    counts = +counts  # keys counted zero times (a memory with the card taken out) are not remembered
    if not counts:
        return Guess()
    cut = sorted(counts.values(), reverse=True)[min(k, len(counts)) - 1]
    sure = [key for key, n in counts.items() if n > cut + 1]
    tied = [key for key, n in counts.items() if abs(n - cut) <= 1]
    return Guess([respond(key) for key in sure], [respond(key) for key in tied], min(k, len(counts)) - len(sure))


def judge(check: Callable[[str], object]) -> Callable[[str], bool]:
    """``check`` (a variant's checker call) as a cached yes/no: each response is judged once, and a
    checker that raises (a refused expression, a pattern that does not parse) rejects it."""
    tried: dict[str, bool] = {}

    def accepted(r: str) -> bool:
        if r not in tried:
            try:
                tried[r] = bool(check(r).correct)
            except Exception:  # noqa: BLE001 -- a refused or broken response is a wrong one
                tried[r] = False
        return tried[r]

    return accepted

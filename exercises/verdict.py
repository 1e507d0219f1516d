"""The judgement of one response: the lowest layer of ``exercises``, so that the checkers
(:mod:`exercises.checking`) and the family types (:mod:`exercises.base`, which re-exports it)
both build on it without importing each other."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    """The judgement of one response: ``reason`` says why, ``expected`` shows the answer.

    ``unreadable`` marks a response that could not be read as the kind asked (not wrong, just
    not an answer yet: the drill asks again). ``diagnosis`` names the mistake the checker
    recognised (e.g. ``"axis_order"``), so feedback can aim at it.
    """

    correct: bool
    reason: str
    expected: str = ""
    unreadable: bool = False
    diagnosis: str = ""

"""Draw until a draw is usable: the one loop behind every family that rejects some draws.

A family draws numbers, then rejects the draw when a classic mistake would score on it or the
question would be dull; it draws again. ``redraw`` is that loop, and when every try is
rejected it says which card could not be drawn instead of failing later on a half-made draw.
"""
from __future__ import annotations

from typing import Callable, TypeVar

T = TypeVar("T")


class DrawsExhausted(RuntimeError):
    """No try of a family's draw was usable (a bug in the family's ranges, not in the input)."""


def redraw(draw: Callable[[], T | None], tries: int, *, family: str, form: str, seed: int,
           why: str = "separates every listed mistake from the answer") -> T:
    """The first draw that is not None, of at most ``tries``; ``draw`` consumes the family's
    rng, so the same seed gives the same draw. Raises DrawsExhausted naming the card."""
    for _ in range(tries):
        got = draw()
        if got is not None:
            return got
    raise DrawsExhausted(f"{family}/{form}/{seed}: none of {tries} draws {why}")

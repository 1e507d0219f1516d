"""A thin adapter over the ``fsrs`` package: ratings from answers, and one review step.

The scheduling itself is fsrs' (``Scheduler.review_card``); this module only decides the
rating and moves card states in and out of JSON, so the store never depends on fsrs types.

Rating rule (the suggestion; the learner may override it in a terminal):

* a wrong answer is **Again**;
* a right answer is **Easy**, **Good** or **Hard** by response time (from the moment the
  exercise is shown until the answer is submitted, hints included), against thresholds that
  grow with the family's difficulty and with the question form (computing a value by hand
  or reading a plot takes longer than writing an expression):

  ===========  ===========  ============  =========
  difficulty   Easy if <    Good if <     else
  ===========  ===========  ============  =========
  1 (easy)     15 s         45 s          Hard
  2            25 s         75 s          Hard
  3 (hard)     40 s         120 s         Hard
  ===========  ===========  ============  =========

  multiplied by 1.0 for ``write``/``shape`` forms, 1.5 for ``read`` and ``fix`` and 2.0 for ``value``;
* a right answer given after asking for a hint is at most **Hard**.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

AGAIN, HARD, GOOD, EASY = 1, 2, 3, 4
RATING_NAMES = {AGAIN: "Again", HARD: "Hard", GOOD: "Good", EASY: "Easy"}

#: difficulty -> (Easy if faster than, Good if faster than), in seconds.
THRESHOLDS: dict[int, tuple[float, float]] = {1: (15.0, 45.0), 2: (25.0, 75.0), 3: (40.0, 120.0)}
#: question form -> factor applied to both thresholds.
FORM_FACTOR: dict[str, float] = {"write": 1.0, "shape": 1.0, "read": 1.5, "fix": 1.5, "value": 2.0}

#: keys accepted to override a rating: 1-4 or the initial of its name.
RATING_KEYS = {"1": AGAIN, "2": HARD, "3": GOOD, "4": EASY, "a": AGAIN, "h": HARD, "g": GOOD, "e": EASY}


def thresholds(difficulty: int, form: str) -> tuple[float, float]:
    """(Easy-below, Good-below) seconds for a family of ``difficulty`` asked in ``form``."""
    easy, good = THRESHOLDS[min(max(int(difficulty), 1), 3)]
    f = FORM_FACTOR.get(form, 1.0)
    return easy * f, good * f


def suggest_rating(correct: bool, seconds: float, difficulty: int, form: str, hints_used: int = 0) -> int:
    """The rating the answer earns: Again when wrong, else by time (capped at Hard after a hint)."""
    if not correct:
        return AGAIN
    easy, good = thresholds(difficulty, form)
    rating = EASY if seconds < easy else GOOD if seconds < good else HARD
    return min(rating, HARD) if hints_used else rating


def parse_rating_key(text: str) -> int | None:
    """A rating from an override key (``1``-``4``, ``a``/``h``/``g``/``e`` or a full name), else None."""
    s = text.strip().lower()
    if not s:
        return None
    if s in RATING_KEYS:
        return RATING_KEYS[s]
    for value, name in RATING_NAMES.items():
        if s == name.lower():
            return value
    return None


def default_scheduler_json() -> str:
    """fsrs' default scheduler (parameters, desired retention 0.9, learning steps 1 and 10 min)."""
    from fsrs import Scheduler

    return Scheduler().to_json()


def new_card_json(card_id: int, now: datetime) -> str:
    """A brand-new fsrs card (state Learning, due now) with our card id."""
    from fsrs import Card

    return Card(card_id=card_id, due=now).to_json()


class Reviewer:
    """Applies one rating to a card state with the store's fsrs Scheduler."""

    def __init__(self, scheduler_json: str):
        from fsrs import Scheduler

        self.scheduler = Scheduler.from_json(scheduler_json)

    def review(self, card_json: str, rating: int, when: datetime, duration_ms: int | None = None) -> dict[str, Any]:
        """The card after the review, as fsrs' own dict (``due``, ``state``, ``stability``, ...)."""
        from fsrs import Card, Rating

        if when.tzinfo is None or when.utcoffset() != timezone.utc.utcoffset(None):
            raise ValueError("review times must be timezone-aware UTC")
        card = Card.from_json(card_json)
        after, _log = self.scheduler.review_card(
            card, Rating(rating), review_datetime=when.astimezone(timezone.utc), review_duration=duration_ms
        )
        return after.to_dict()

    def replay(self, card_id: int, due: datetime, logs: list[tuple[int, datetime]]) -> dict[str, Any]:
        """The card state rebuilt from its whole history of (rating, time) reviews."""
        from fsrs import Card, Rating, ReviewLog

        card = Card(card_id=card_id, due=due)
        entries = [ReviewLog(card_id, Rating(r), t, None) for r, t in logs]
        return self.scheduler.reschedule_card(card, entries).to_dict()

"""The rating rule, the override keys, the clock, and that one review step is fsrs' own."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from cardgen.drill.clock import Clock, ClockError, describe_due, iso, parse_time
from cardgen.drill.scheduler import (
    AGAIN, EASY, GOOD, HARD, THRESHOLDS, Reviewer, default_scheduler_json, new_card_json, parse_rating_key,
    suggest_rating, thresholds,
)

UTC = timezone.utc


@pytest.mark.parametrize("difficulty", [1, 2, 3])
def test_rating_by_time_and_difficulty(difficulty):
    easy, good = THRESHOLDS[difficulty]
    assert suggest_rating(True, 0.5, difficulty, "write") == EASY
    assert suggest_rating(True, easy - 0.01, difficulty, "write") == EASY
    assert suggest_rating(True, easy, difficulty, "write") == GOOD
    assert suggest_rating(True, good - 0.01, difficulty, "shape") == GOOD
    assert suggest_rating(True, good, difficulty, "shape") == HARD
    assert suggest_rating(True, 10_000, difficulty, "write") == HARD
    for t in (0.1, easy, good, 10_000):
        assert suggest_rating(False, t, difficulty, "write") == AGAIN


def test_harder_families_and_slower_forms_get_more_time():
    assert THRESHOLDS[1] < THRESHOLDS[2] < THRESHOLDS[3]
    e1, g1 = thresholds(1, "write")
    assert suggest_rating(True, e1 + 1, 1, "write") == GOOD
    assert suggest_rating(True, e1 + 1, 3, "write") == EASY
    assert thresholds(1, "value") == (2 * e1, 2 * g1)
    assert thresholds(1, "read") == (1.5 * e1, 1.5 * g1)
    assert suggest_rating(True, g1 + 1, 1, "value") == GOOD  # a hand computation may take longer
    assert thresholds(7, "write") == thresholds(3, "write") and thresholds(0, "write") == thresholds(1, "write")


def test_a_hint_caps_a_right_answer_at_hard():
    assert suggest_rating(True, 0.1, 1, "write", hints_used=1) == HARD
    assert suggest_rating(False, 0.1, 1, "write", hints_used=2) == AGAIN


@pytest.mark.parametrize("key,rating", [
    ("1", AGAIN), ("2", HARD), ("3", GOOD), ("4", EASY), ("a", AGAIN), ("H", HARD), (" g ", GOOD), ("e", EASY),
    ("easy", EASY), ("Again", AGAIN), ("", None), ("5", None), ("x", None),
])
def test_override_keys(key, rating):
    assert parse_rating_key(key) == rating


def test_one_review_step_is_fsrs_review_card():
    from fsrs import Card, Rating, Scheduler

    when = datetime(2030, 1, 6, 9, 0, tzinfo=UTC)
    reviewer = Reviewer(default_scheduler_json())
    ref = Scheduler()
    card = Card(card_id=7, due=when)
    state = new_card_json(7, when)
    for i, r in enumerate([GOOD, AGAIN, GOOD, EASY, HARD]):
        t = when + timedelta(minutes=15 * i)
        after = reviewer.review(state, r, t, 1200)
        card, log = ref.review_card(card, Rating(r), t)
        assert after["state"] == int(card.state) and after["step"] == card.step
        assert after["stability"] == pytest.approx(card.stability) and after["difficulty"] == pytest.approx(card.difficulty)
        if (card.due - t) < timedelta(days=2):  # no fuzz on short intervals: exactly equal
            assert parse_time(after["due"]) == card.due
        state = json.dumps(after)
    with pytest.raises(ValueError, match="UTC"):
        reviewer.review(state, GOOD, datetime(2030, 1, 7, 9, 0))


def test_clock_from_cardgen_now_advances_in_real_time(monkeypatch):
    monkeypatch.setenv("CARDGEN_NOW", "2030-01-06T09:00:00Z")
    clock = Clock()
    a, b = clock.now(), clock.now()
    assert a.tzinfo is not None and a.utcoffset() == timedelta(0)
    assert datetime(2030, 1, 6, 9, tzinfo=UTC) <= a <= b < datetime(2030, 1, 6, 9, 1, tzinfo=UTC)
    assert parse_time("2030-01-06T10:00:00+01:00") == datetime(2030, 1, 6, 9, tzinfo=UTC)
    assert parse_time("2030-01-06T09:00:00") == datetime(2030, 1, 6, 9, tzinfo=UTC)  # naive means UTC
    monkeypatch.setenv("CARDGEN_NOW", "yesterday")
    with pytest.raises(ClockError, match="CARDGEN_NOW"):
        Clock()


def test_times_are_stored_sortable_and_described():
    t = datetime(2030, 1, 6, 9, tzinfo=UTC)
    assert iso(t) == "2030-01-06T09:00:00.000000+00:00"
    assert iso(t) < iso(t + timedelta(microseconds=1)) < iso(t + timedelta(seconds=1))
    with pytest.raises(ValueError):
        iso(datetime(2030, 1, 6))
    assert describe_due(t, t) == "now"
    assert describe_due(t + timedelta(minutes=10), t) == "in 10 min"
    assert describe_due(t + timedelta(days=3), t).startswith("in 3 days (")

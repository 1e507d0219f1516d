"""``cardgen stats`` after real sessions: due counts, reviews, retention, streak, per-topic
accuracy, and the review-log export that fsrs' own classes read back."""
import json
from datetime import datetime, timedelta, timezone

import pytest

from _drill_helpers import answer_for, parse, reviews, rows, run, spawn_pipe, wrong_for
from cardgen.drill.store import Store

DAY = datetime(2030, 1, 10, 9, 0, tzinfo=timezone.utc)  # "today" in these tests (TZ=UTC)


def record(store, when, correct, family="einsum.matmul", form="write", topic="einsum"):
    store.record(family=family, form=form, topic=topic, seed=1, response="x", correct=correct, reason="",
                 duration_ms=4000, hints_used=0, suggested_rating=3 if correct else 1, when=when, session="past")


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Past reviews written through the store (40 days ago, then the 3 days before today, with
    a gap before them), then today's session run for real: 2 right, 1 wrong answer."""
    db = tmp_path_factory.mktemp("stats") / "drill.sqlite3"
    with Store.open(db, now=DAY - timedelta(days=40)) as s:
        record(s, DAY - timedelta(days=40), False, "einops.transpose", "write", "einops")  # outside 30 days
        record(s, DAY - timedelta(days=5), True, "einops.transpose", "write", "einops")  # before the gap
        for back, correct in ((3, True), (2, False), (1, True)):
            record(s, DAY - timedelta(days=back), correct, "superposition.zz_stats", "value", "superposition")
    d = spawn_pipe(["drill", "--topic", "einsum", "--form", "write", "--db", str(db), "--limit", "3", "--new", "3"],
                   now=DAY)
    try:
        for i in range(3):
            fam, form, seed = d.next_exercise()
            d.send(answer_for(fam, form, seed) if i < 2 else wrong_for(fam, form, seed))
        d.expect("again> ")  # the Socratic retry after the miss; "?" shows the answer
        d.send("?")
        assert d.wait() == 0
    finally:
        d.close()
    return db


def stats_json(db, now):
    r = run(["stats", "--json", "--db", str(db)], now=now)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_stats_numbers_after_a_session(history):
    s = stats_json(history, DAY + timedelta(hours=2))
    assert s["reviews_total"] == 8 and s["reviews_today"] == 3
    assert s["reviews_30d"] == 7 and s["correct_30d"] == 5  # the 40-day-old review is left out
    assert s["retention_30d"] == pytest.approx(5 / 7)
    assert s["streak_days"] == 4  # today and the 3 days before; the gap ends it
    cards = rows(history, "SELECT due FROM cards")
    midnight = datetime(2030, 1, 11, tzinfo=timezone.utc)
    assert s["cards"] == len(cards) == 5
    assert s["due_today"] == sum(parse(c["due"]) < midnight for c in cards)
    assert s["due_week"] == sum(parse(c["due"]) < midnight + timedelta(days=6) for c in cards)
    assert s["due_today"] >= 2  # the wrong answer (minutes) and the superposition card answered yesterday
    einsum = s["topics"]["einsum"]
    assert (einsum["cards"], einsum["reviews"], einsum["correct"]) == (3, 3, 2)
    assert einsum["accuracy"] == pytest.approx(2 / 3)
    assert s["topics"]["einops"]["accuracy"] == pytest.approx(1 / 2)
    assert s["topics"]["superposition"]["reviews"] == 3


def test_streak_ends_today_or_yesterday(history):
    assert stats_json(history, DAY + timedelta(days=1, hours=1))["streak_days"] == 4  # not yet practised today
    assert stats_json(history, DAY + timedelta(days=2, hours=1))["streak_days"] == 0  # a day was missed


def test_stats_table_output(history):
    r = run(["stats", "--db", str(history)], now=DAY + timedelta(hours=2))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert str(history) in out and "5 cards, 8 reviews" in out
    assert "Retention 71% (5 of 7 correct, last 30 days)" in out
    assert "Streak 4 days" in out and "Reviews today 3" in out
    assert "Accuracy per topic" in out
    line = next(x for x in out.splitlines() if "einsum" in x and "│" in x)
    assert [c.strip() for c in line.split("│")[1:-1]][:5] == ["einsum", "3", "3", "2", "67%"]


def test_export_feeds_fsrs(history, tmp_path):
    from fsrs import Card, ReviewLog, Scheduler

    out = tmp_path / "logs.jsonl"
    r = run(["stats", "--db", str(history), "--export", str(out)])
    assert r.returncode == 0 and "wrote 8 review logs" in r.stderr
    lines = [json.loads(x) for x in out.read_text().splitlines()]
    assert len(lines) == 8 == len(reviews(history))
    logs = [ReviewLog.from_dict(x) for x in lines]  # fsrs reads each line as it is
    assert {x["seed"] for x in lines if x["topic"] == "einsum"} == {r["seed"] for r in reviews(history) if r["family"].startswith("einsum")}
    scheduler = Scheduler.from_json(rows(history, "SELECT value FROM meta WHERE key = 'scheduler'")[0][0])
    for c in rows(history, "SELECT id, fsrs FROM cards"):
        mine = [log for log in logs if log.card_id == c["id"]]
        first = json.loads(rows(history, "SELECT card_before FROM reviews WHERE card_id = ? ORDER BY id", (c["id"],))[0][0])
        again = scheduler.reschedule_card(Card(card_id=c["id"], due=parse(first["due"])), mine)
        assert again.stability == pytest.approx(json.loads(c["fsrs"])["stability"])
    r = run(["stats", "--db", str(history), "--export", "-"])
    assert r.stdout.splitlines() == out.read_text().splitlines()


def test_stats_without_a_store_creates_nothing(tmp_path):
    db = tmp_path / "none.sqlite3"
    r = run(["stats", "--db", str(db)])
    assert r.returncode == 0 and "No drill store yet" in r.stdout and str(db) in r.stdout
    assert not db.exists()


def test_history_forecast_weak_spots_and_png(history, tmp_path):
    s = stats_json(history, DAY + timedelta(hours=2))
    by_day = {h["day"]: h for h in s["history"]}
    assert len(s["history"]) == 14 and s["history"][-1]["day"] == "2030-01-10"
    assert (by_day["2030-01-10"]["reviews"], by_day["2030-01-10"]["correct"]) == (3, 2)
    assert by_day["2030-01-08"]["retention"] == 0.0 and by_day["2030-01-06"]["reviews"] == 0
    assert sum(f["due"] for f in s["forecast"]) == sum(
        parse(c["due"]) < datetime(2030, 1, 24, tzinfo=timezone.utc) for c in rows(history, "SELECT due FROM cards"))
    weak = s["weak"]
    assert weak and all(w["correct"] < w["reviews"] for w in weak)
    assert [w["accuracy"] for w in weak] == sorted(w["accuracy"] for w in weak)
    assert {(w["family"], w["form"]) for w in weak} >= {("superposition.zz_stats", "value"), ("einops.transpose", "write")}
    png = tmp_path / "stats.png"
    r = run(["stats", "--db", str(history), "--png", str(png)], now=DAY + timedelta(hours=2))
    assert r.returncode == 0, r.stderr
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 10_000
    for text in ("Reviews per day", "Forecast", "Weak spots", "einops.transpose (write)", "Thu 10 Jan", "█"):
        assert text in r.stdout, text
    assert " · next now" not in r.stdout

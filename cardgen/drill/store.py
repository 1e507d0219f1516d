"""The drill's SQLite store: drill cards, their fsrs state, and every review ever made.

Safety rules, because the file holds a learner's whole history:

* An existing file is never deleted, recreated or "repaired". One that is not an SQLite
  database, fails ``PRAGMA quick_check``, belongs to another program or to a newer cardgen
  is refused with a message that names it (:class:`StoreError`), before anything is written.
* WAL journal, ``synchronous=FULL`` and one ``BEGIN IMMEDIATE`` transaction per review
  (insert the review log + update the card), so killing the process at any moment loses at
  most the answer being typed, and a crash never leaves half a review.
* ``busy_timeout`` lets two drills share a store: writers queue instead of failing, and each
  review re-reads the card inside its transaction, so neither overwrites the other.

Schema (``PRAGMA user_version`` = number of applied :data:`MIGRATIONS`; v2 = append one):

``meta(key, value)``
    ``scheduler`` (fsrs Scheduler JSON: parameters, desired retention, steps),
    ``created_at``.
``cards(id, family, form, topic, fsrs, state, due, last_review, reps, lapses, created_at)``
    one row per drill card (family + form), created at its first review; ``fsrs`` is
    fsrs' Card JSON (its ``card_id`` is ``id``); ``due``/``state``/``last_review`` copy it
    for queries.
``reviews(id, card_id, session, reviewed_at, seed, response, correct, reason,
duration_ms, hints_used, suggested_rating, rating, card_before, card_after, due_after)``
    every review: the seed regenerates the exact variant; ``rating`` is what fsrs was
    given (``suggested_rating`` unless the learner overrode it); ``card_before`` and
    ``card_after`` are fsrs Card JSON. :meth:`Store.export_logs` writes them as fsrs
    ``ReviewLog`` dicts for fsrs' optimizer.

Times are text in one format (UTC, microseconds, ``+00:00``), so text order is time order.
"""
from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Iterable, TextIO

from cardgen.drill.clock import UTC, ClockError, iso, local_midnight_after, parse_time

FILE_NAME = "drill.sqlite3"
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000
HISTORY_DAYS = 14  # stats: reviews and retention per day over this many days, today included
FORECAST_DAYS = 14  # stats: cards due per day over this many days from today
WEAK_SPOTS = 5  # stats: the cards (family, form) with the lowest accuracy


class StoreError(Exception):
    """The store cannot be used; the message names the file and says what to do."""


# ----------------------------------------------------------------------------- migrations


def _v1(conn: sqlite3.Connection, now: datetime) -> None:
    from cardgen.drill.scheduler import default_scheduler_json

    for sql in (
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        """CREATE TABLE cards (
            id INTEGER PRIMARY KEY,
            family TEXT NOT NULL,
            form TEXT NOT NULL,
            topic TEXT NOT NULL,
            fsrs TEXT NOT NULL,
            state INTEGER NOT NULL,
            due TEXT NOT NULL,
            last_review TEXT,
            reps INTEGER NOT NULL DEFAULT 0,
            lapses INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL,
            UNIQUE (family, form)
        )""",
        "CREATE INDEX cards_due ON cards (due)",
        """CREATE TABLE reviews (
            id INTEGER PRIMARY KEY,
            card_id INTEGER NOT NULL REFERENCES cards (id),
            session TEXT NOT NULL,
            reviewed_at TEXT NOT NULL,
            seed INTEGER NOT NULL,
            response TEXT NOT NULL,
            correct INTEGER NOT NULL CHECK (correct IN (0, 1)),
            reason TEXT NOT NULL DEFAULT '',
            duration_ms INTEGER NOT NULL,
            hints_used INTEGER NOT NULL DEFAULT 0,
            suggested_rating INTEGER NOT NULL CHECK (suggested_rating BETWEEN 1 AND 4),
            rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 4),
            card_before TEXT NOT NULL,
            card_after TEXT NOT NULL,
            due_after TEXT NOT NULL
        )""",
        "CREATE INDEX reviews_time ON reviews (reviewed_at)",
        "CREATE INDEX reviews_card ON reviews (card_id, id)",
    ):
        conn.execute(sql)
    conn.executemany(
        "INSERT INTO meta (key, value) VALUES (?, ?)",
        [("scheduler", default_scheduler_json()), ("created_at", iso(now))],
    )


#: Schema migrations in order; migration ``i`` brings ``user_version`` from ``i`` to ``i + 1``.
MIGRATIONS: list[Callable[[sqlite3.Connection, datetime], None]] = [_v1]
SCHEMA_VERSION = len(MIGRATIONS)


# ----------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class CardRow:
    id: int
    family: str
    form: str
    topic: str
    state: int
    due: datetime
    reps: int
    lapses: int


@dataclass(frozen=True)
class Recorded:
    """The outcome of one stored review."""

    review_id: int
    card_id: int
    rating: int
    due: datetime
    state: int


@dataclass(frozen=True)
class ReviewRow:
    id: int
    card_id: int
    family: str
    form: str
    topic: str
    reviewed_at: datetime
    seed: int
    response: str
    correct: bool
    duration_ms: int
    hints_used: int
    suggested_rating: int
    rating: int
    due_after: datetime


def default_path() -> tuple[Path, bool]:
    """The store path and whether its directory may be created: ``$CARDGEN_HOME/drill.sqlite3``
    or the user's data directory (platformdirs)."""
    home = os.environ.get("CARDGEN_HOME")
    if home:
        return Path(home).expanduser() / FILE_NAME, True
    import platformdirs

    return Path(platformdirs.user_data_dir("cardgen", appauthor=False)) / FILE_NAME, True


# ----------------------------------------------------------------------------- opening


def open_store(db: Path | None = None, must_exist: bool = False):
    """``(store, path, clock)``: the learner's store (``db``, else :func:`default_path`), opened
    (created if absent) with the clock (``CARDGEN_NOW`` honoured); ``store`` is None when
    ``must_exist`` and the file is absent. Raises StoreError or ClockError with a message to
    show as it is. The terminal drill, ``cardgen stats`` and the notebook drill all open it here."""
    from cardgen.drill.clock import Clock

    clock = Clock()
    if db is not None:
        path, create_dirs = Path(db).expanduser(), False
    else:
        path, create_dirs = default_path()
    if must_exist and not path.exists():
        return None, path, clock
    return Store.open(path, create_dirs=create_dirs, now=clock.now()), path, clock


def _refuse(path: Path, what: str) -> StoreError:
    return StoreError(
        f"cannot use the drill store {path}: {what}. The file was left untouched; "
        f"move it aside to start a new store, or pass --db with another file."
    )


def _precheck(path: Path, create_dirs: bool) -> None:
    """Checks that need no SQLite: the path is a file we can read, in a directory that exists."""
    if path.is_dir():
        raise StoreError(f"cannot use the drill store {path}: it is a directory; pass --db with a file path")
    parent = path.parent
    if not parent.is_dir():
        if parent.exists():
            raise StoreError(f"cannot open the drill store {path}: {parent} is not a directory")
        if not create_dirs:
            raise StoreError(f"cannot open the drill store {path}: the directory {parent} does not exist")
        try:
            parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create the directory {parent} for the drill store: {e.strerror}") from None
    if path.exists():
        try:
            with open(path, "rb") as f:
                head = f.read(len(SQLITE_HEADER))
        except OSError as e:
            raise StoreError(f"cannot read the drill store {path}: {e.strerror}") from None
        if head and head != SQLITE_HEADER:
            raise _refuse(path, "it is not an SQLite database (corrupt, or another kind of file)")


class Store:
    """An open drill store. Use :meth:`open`; close with :meth:`close` (or ``with``)."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self.conn = conn
        self.path = path
        self.scheduler_json = self._meta("scheduler")
        self._reviewer = None

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, create_dirs: bool = False, now: datetime | None = None) -> "Store":
        """Open (creating if absent) the store at ``path``; StoreError when it cannot be used."""
        path = Path(path)
        _precheck(path, create_dirs)
        now = now or datetime.now(UTC)
        conn = None
        try:
            conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            check = conn.execute("PRAGMA quick_check").fetchall()
            if [r[0] for r in check] != ["ok"]:
                raise _refuse(path, f"it is damaged (quick_check: {check[0][0]})")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise _refuse(path, f"it was written by a newer cardgen (schema v{version}; this one knows v{SCHEMA_VERSION})")
            if version == 0:
                tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
                if tables:
                    raise _refuse(path, "it is an SQLite database, but not a cardgen drill store")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            _migrate(conn, path, now)
            return cls(conn, path)
        except StoreError:
            if conn is not None:
                conn.close()
            raise
        except sqlite3.DatabaseError as e:
            if conn is not None:
                conn.close()
            raise _refuse(path, f"SQLite reports {e!s} (damaged, or not readable and writable)") from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _meta(self, key: str) -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise _refuse(self.path, f"its meta table lacks {key!r}")
        return row[0]

    @property
    def reviewer(self):
        if self._reviewer is None:
            from cardgen.drill.scheduler import Reviewer

            self._reviewer = Reviewer(self.scheduler_json)
        return self._reviewer

    # -- reading ------------------------------------------------------------------------

    def cards(self) -> list[CardRow]:
        rows = self.conn.execute(
            "SELECT id, family, form, topic, state, due, reps, lapses FROM cards ORDER BY due, id"
        ).fetchall()
        return [CardRow(r[0], r[1], r[2], r[3], r[4], self._time(r[5], "due", r), r[6], r[7]) for r in rows]

    def _time(self, raw, column: str, row) -> datetime:
        """A stored time, or a StoreError that names the cell (a hand-edited or damaged row)."""
        try:
            return parse_time(raw)
        except (ClockError, TypeError, AttributeError):
            raise self._bad_cell(f"{column} {raw!r} is not a time", row) from None

    def _bad_cell(self, what: str, row) -> StoreError:
        who = f"the card {row[1]} ({row[2]}), cards.id {row[0]}" if len(row) > 2 else f"cards.id {row[0]}"
        return StoreError(
            f"cannot use the drill store {self.path}: {who}: {what}. Nothing was changed; fix that cell "
            f"(times look like 2030-01-06T09:00:00.000000+00:00) or delete the card's row, or pass --db "
            f"with another file."
        )

    def due_cards(self, now: datetime) -> list[CardRow]:
        """Cards due at ``now``, most overdue first."""
        return [c for c in self.cards() if c.due <= now]

    def known_pairs(self) -> set[tuple[str, str]]:
        return {(r[0], r[1]) for r in self.conn.execute("SELECT family, form FROM cards")}

    def next_due(self, allowed: Iterable[tuple[str, str]] | None = None) -> CardRow | None:
        """The card due soonest (only among ``allowed`` pairs when given)."""
        allowed = set(allowed) if allowed is not None else None
        for c in self.cards():
            if allowed is None or (c.family, c.form) in allowed:
                return c
        return None

    def reviews(self, since: datetime | None = None) -> list[ReviewRow]:
        sql = (
            "SELECT r.id, r.card_id, c.family, c.form, c.topic, r.reviewed_at, r.seed, r.response, r.correct, "
            "r.duration_ms, r.hints_used, r.suggested_rating, r.rating, r.due_after "
            "FROM reviews r JOIN cards c ON c.id = r.card_id"
        )
        args: tuple = ()
        if since is not None:
            sql += " WHERE r.reviewed_at >= ?"
            args = (iso(since),)
        rows = self.conn.execute(sql + " ORDER BY r.reviewed_at, r.id", args).fetchall()
        return [
            ReviewRow(r[0], r[1], r[2], r[3], r[4], self._time(r[5], "a review's reviewed_at", (r[1], r[2], r[3])),
                      r[6], r[7], bool(r[8]), r[9], r[10], r[11], r[12],
                      self._time(r[13], "a review's due_after", (r[1], r[2], r[3])))
            for r in rows
        ]

    # -- writing ------------------------------------------------------------------------

    def record(
        self,
        *,
        family: str,
        form: str,
        topic: str,
        seed: int,
        response: str,
        correct: bool,
        reason: str,
        duration_ms: int,
        hints_used: int,
        suggested_rating: int,
        rating: int | None = None,
        when: datetime | Callable[[], datetime],
        session: str,
    ) -> Recorded:
        """Store one review and reschedule its card, atomically (one transaction).

        ``when`` may be a clock (a callable), read once the write lock is held, so reviews
        of one card by concurrent drills are timed in the order they are applied; a review
        timed before the card's last one (clocks of two processes disagree) is moved to it.
        """
        from cardgen.drill.scheduler import AGAIN, new_card_json

        rating = suggested_rating if rating is None else rating
        with self._transaction():
            if callable(when):
                when = when()
            self.conn.execute(
                "INSERT OR IGNORE INTO cards (family, form, topic, fsrs, state, due, created_at) "
                "VALUES (?, ?, ?, '', 1, ?, ?)",
                (family, form, topic, iso(when), iso(when)),
            )
            card_id, before, last = self.conn.execute(
                "SELECT id, fsrs, last_review FROM cards WHERE family = ? AND form = ?", (family, form)
            ).fetchone()
            if last is not None and self._time(last, "last_review", (card_id, family, form)) > when:
                when = parse_time(last)
            if not before:
                before = new_card_json(card_id, when)
            try:
                after = self.reviewer.review(before, rating, when, duration_ms)
                was_review = json.loads(before)["state"] == 2
            except (ValueError, KeyError, TypeError, AttributeError):
                raise self._bad_cell("its fsrs state (cards.fsrs) is not readable fsrs Card JSON",
                                     (card_id, family, form)) from None
            due = parse_time(after["due"])
            cur = self.conn.execute(
                "INSERT INTO reviews (card_id, session, reviewed_at, seed, response, correct, reason, duration_ms, "
                "hints_used, suggested_rating, rating, card_before, card_after, due_after) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (card_id, session, iso(when), int(seed), response, int(bool(correct)), reason, int(duration_ms),
                 int(hints_used), int(suggested_rating), int(rating), before, json.dumps(after), iso(due)),
            )
            self.conn.execute(
                "UPDATE cards SET fsrs = ?, state = ?, due = ?, last_review = ?, reps = reps + 1, "
                "lapses = lapses + ? WHERE id = ?",
                (json.dumps(after), after["state"], iso(due), iso(when), int(was_review and rating == AGAIN), card_id),
            )
            return Recorded(cur.lastrowid, card_id, rating, due, after["state"])

    def override(self, review_id: int, rating: int) -> Recorded:
        """Change the rating of a stored review (the learner's override) and reschedule its card.

        The latest review of a card is re-applied from its ``card_before``; if another drill
        has reviewed the card since, the card is rebuilt from its whole history instead.
        """
        from cardgen.drill.scheduler import AGAIN

        with self._transaction():
            row = self.conn.execute(
                "SELECT card_id, reviewed_at, duration_ms, card_before, rating FROM reviews WHERE id = ?",
                (review_id,),
            ).fetchone()
            if row is None:
                raise StoreError(f"{self.path}: review {review_id} does not exist")
            card_id, reviewed_at, duration_ms, before, old = row
            self.conn.execute("UPDATE reviews SET rating = ? WHERE id = ?", (int(rating), review_id))
            latest = self.conn.execute(
                "SELECT max(id) FROM reviews WHERE card_id = ?", (card_id,)
            ).fetchone()[0]
            when = parse_time(reviewed_at)
            if latest == review_id:
                after = self.reviewer.review(before, rating, when, duration_ms)
                self.conn.execute(
                    "UPDATE reviews SET card_after = ?, due_after = ? WHERE id = ?",
                    (json.dumps(after), iso(parse_time(after["due"])), review_id),
                )
            else:
                history = self.conn.execute(
                    "SELECT rating, reviewed_at FROM reviews WHERE card_id = ? ORDER BY id", (card_id,)
                ).fetchall()
                first_due = json.loads(
                    self.conn.execute(
                        "SELECT card_before FROM reviews WHERE card_id = ? ORDER BY id LIMIT 1",
                        (card_id,),
                    ).fetchone()[0]
                )["due"]
                after = self.reviewer.replay(card_id, parse_time(first_due), [(r, parse_time(t)) for r, t in history])
            due = parse_time(after["due"])
            was_review = json.loads(before)["state"] == 2
            lapse_delta = int(was_review and rating == AGAIN) - int(was_review and old == AGAIN)
            self.conn.execute(
                "UPDATE cards SET fsrs = ?, state = ?, due = ?, lapses = lapses + ? WHERE id = ?",
                (json.dumps(after), after["state"], iso(due), lapse_delta, card_id),
            )
            return Recorded(review_id, card_id, rating, due, after["state"])

    def _transaction(self):
        return _Transaction(self.conn, self.path)

    # -- export -------------------------------------------------------------------------

    def export_logs(self, out: TextIO) -> int:
        """Write every review as one JSON line: fsrs ``ReviewLog.to_dict()`` keys (``card_id``,
        ``rating``, ``review_datetime``, ``review_duration``) plus what the drill knows
        (family, form, seed, response, correct, suggested_rating). ``fsrs.ReviewLog.from_dict``
        reads each line as is, so the lines feed ``fsrs.Optimizer`` directly."""
        n = 0
        for r in self.reviews():
            out.write(json.dumps({
                "card_id": r.card_id,
                "rating": r.rating,
                "review_datetime": r.reviewed_at.isoformat(),
                "review_duration": r.duration_ms,
                "family": r.family,
                "form": r.form,
                "topic": r.topic,
                "seed": r.seed,
                "response": r.response,
                "correct": r.correct,
                "hints_used": r.hints_used,
                "suggested_rating": r.suggested_rating,
            }) + "\n")
            n += 1
        return n

    # -- stats --------------------------------------------------------------------------

    def stats(self, now: datetime, topics: Iterable[str] = ()) -> dict:
        """Due counts, reviews, retention, streak and accuracy per topic, as plain data.

        "Today" is the local calendar day of ``now`` (the machine's time zone); "due today"
        counts cards due before local midnight, overdue ones included; "this week" before
        local midnight six days later (seven days, today included).
        """
        today = now.astimezone().date()
        end_today = local_midnight_after(today)
        end_week = local_midnight_after(today + timedelta(days=6))
        cards = self.cards()
        reviews = self.reviews()
        since30 = now - timedelta(days=30)
        last30 = [r for r in reviews if r.reviewed_at >= since30]
        days = {r.reviewed_at.astimezone().date() for r in reviews}
        start = today if today in days else today - timedelta(days=1)
        streak = 0
        while start - timedelta(days=streak) in days:
            streak += 1
        per_topic: dict[str, dict] = {
            t: {"cards": 0, "reviews": 0, "correct": 0, "due_today": 0} for t in topics
        }
        for c in cards:
            d = per_topic.setdefault(c.topic, {"cards": 0, "reviews": 0, "correct": 0, "due_today": 0})
            d["cards"] += 1
            d["due_today"] += c.due < end_today
        for r in reviews:
            d = per_topic.setdefault(r.topic, {"cards": 0, "reviews": 0, "correct": 0, "due_today": 0})
            d["reviews"] += 1
            d["correct"] += r.correct
        for d in per_topic.values():
            d["accuracy"] = d["correct"] / d["reviews"] if d["reviews"] else None
        nxt = min((c.due for c in cards), default=None)
        history = []  # reviews and retention per local day, the last HISTORY_DAYS days
        for back in range(HISTORY_DAYS - 1, -1, -1):
            day = today - timedelta(days=back)
            mine = [r for r in reviews if r.reviewed_at.astimezone().date() == day]
            right = sum(r.correct for r in mine)
            history.append({"day": day.isoformat(), "reviews": len(mine), "correct": right,
                            "retention": right / len(mine) if mine else None})
        forecast = []  # cards falling due per local day from today (overdue ones count today)
        for ahead in range(FORECAST_DAYS):
            day = today + timedelta(days=ahead)
            start = local_midnight_after(day - timedelta(days=1)) if ahead else None
            end = local_midnight_after(day)
            forecast.append({"day": day.isoformat(),
                             "due": sum((start is None or c.due >= start) and c.due < end for c in cards)})
        per_card: dict[tuple[str, str], dict] = {}
        for r in reviews:
            d = per_card.setdefault((r.family, r.form), {"family": r.family, "form": r.form, "reviews": 0,
                                                         "correct": 0})
            d["reviews"] += 1
            d["correct"] += r.correct
        lapses = {(c.family, c.form): c.lapses for c in cards}
        weak = sorted((d for d in per_card.values() if d["correct"] < d["reviews"]),
                      key=lambda d: (d["correct"] / d["reviews"], -d["reviews"], d["family"], d["form"]))
        for d in weak:
            d["accuracy"] = d["correct"] / d["reviews"]
            d["lapses"] = lapses.get((d["family"], d["form"]), 0)
        return {
            "store": str(self.path),
            "now": now.isoformat(),
            "today": today.isoformat(),
            "cards": len(cards),
            "due_now": sum(c.due <= now for c in cards),
            "due_today": sum(c.due < end_today for c in cards),
            "due_week": sum(c.due < end_week for c in cards),
            "next_due": nxt.isoformat() if nxt else None,
            "reviews_total": len(reviews),
            "reviews_today": sum(r.reviewed_at.astimezone().date() == today for r in reviews),
            "reviews_30d": len(last30),
            "correct_30d": sum(r.correct for r in last30),
            "retention_30d": (sum(r.correct for r in last30) / len(last30)) if last30 else None,
            "streak_days": streak,
            "topics": per_topic,
            "history": history,
            "forecast": forecast,
            "weak": weak[:WEAK_SPOTS],
        }


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error (the write lock is taken up
    front, so concurrent drills queue on busy_timeout instead of deadlocking)."""

    def __init__(self, conn: sqlite3.Connection, path: Path | None = None):
        self.conn = conn
        self.path = path

    def __enter__(self):
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            raise StoreError(f"cannot write to the drill store {self.path}: {e}") from None
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            try:
                self.conn.execute("COMMIT")
                return False
            except sqlite3.Error as e:
                exc_type, exc = type(e), e
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):  # disk full, read-only file, lock held too long
            raise StoreError(f"cannot write to the drill store {self.path}: {exc}; this review was not saved") from None
        return False


def _migrate(conn: sqlite3.Connection, path: Path, now: datetime) -> None:
    """Apply the missing migrations in one transaction (re-reading the version under the lock,
    so two drills opening a new store at once migrate it exactly once)."""
    if conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
        return
    with _Transaction(conn, path):
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for i in range(version, SCHEMA_VERSION):
            MIGRATIONS[i](conn, now)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

"""The drill store refuses unusable files loudly, never touches them, migrates, and saves each
review atomically. Error paths run the real CLI; the rest uses real SQLite files."""
import hashlib
import os
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from _drill_helpers import integrity_ok, rows, run
from cardgen.drill import store as store_mod
from cardgen.drill.store import SCHEMA_VERSION, Store, StoreError

T0 = datetime(2030, 1, 6, 9, 0, tzinfo=timezone.utc)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_refused(path, *argsets, contains=""):
    """Every command exits 1 with a one-line message naming ``path``, and no traceback."""
    for args in argsets:
        r = run([*args, "--db", str(path)])
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert str(path) in r.stderr, r.stderr
        assert contains in r.stderr
        assert "Traceback" not in r.stderr + r.stdout


def test_a_corrupt_file_is_refused_and_left_untouched(tmp_path):
    db = tmp_path / "drill.sqlite3"
    db.write_bytes(os.urandom(8192))
    before = digest(db)
    assert_refused(db, ["drill", "--limit", "1"], ["stats"], contains="not an SQLite database")
    assert digest(db) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["drill.sqlite3"]  # no -wal/-shm, no new file


def test_a_damaged_sqlite_store_is_refused_and_left_untouched(tmp_path):
    db = tmp_path / "drill.sqlite3"
    with Store.open(db, now=T0) as s:  # a real store with a few reviews
        for i in range(40):
            s.record(family="einsum.matmul", form="write", topic="einsum", seed=i, response="x" * 200,
                     correct=False, reason="", duration_ms=10, hints_used=0, suggested_rating=1,
                     when=T0 + timedelta(seconds=i), session="t")
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db.read_bytes())
    page = 4096
    for start in range(page, len(data), page):  # scribble over every b-tree page header
        data[start: start + 12] = b"\xff" * 12
    db.write_bytes(bytes(data))
    before = digest(db)
    assert_refused(db, ["stats"], ["drill", "--limit", "1"], contains="left untouched")
    assert digest(db) == before


def test_a_directory_or_a_missing_directory_is_a_clear_error(tmp_path):
    assert_refused(tmp_path, ["drill"], ["stats"], contains="is a directory")
    missing = tmp_path / "no" / "such" / "dir" / "drill.sqlite3"
    r = run(["drill", "--db", str(missing)])
    assert r.returncode == 1 and str(missing) in r.stderr and "does not exist" in r.stderr
    assert "Traceback" not in r.stderr
    assert not (tmp_path / "no").exists()  # an explicit --db path never creates directories


def test_another_programs_database_or_a_newer_store_is_refused(tmp_path):
    other = tmp_path / "other.sqlite3"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (body TEXT)")
    conn.execute("INSERT INTO notes VALUES ('keep me')")
    conn.commit()
    conn.close()
    before = digest(other)
    assert_refused(other, ["drill"], ["stats"], contains="not a cardgen drill store")
    assert digest(other) == before

    newer = tmp_path / "newer.sqlite3"
    Store.open(newer, now=T0).close()
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    assert_refused(newer, ["drill"], contains="newer cardgen")


def test_new_store_schema_and_settings(tmp_path):
    db = tmp_path / "s.sqlite3"
    with Store.open(db, now=T0) as s:
        assert s.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert s.conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 10_000
        assert s.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 1
        tables = {r[0] for r in s.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert tables == {"meta", "cards", "reviews"}
        from fsrs import Scheduler

        assert Scheduler.from_json(s.scheduler_json).desired_retention == 0.9
    with Store.open(db, now=T0) as s:  # reopening changes nothing
        assert s.conn.execute("SELECT count(*) FROM meta").fetchone()[0] == 2


def test_a_v2_migration_applies_once_and_keeps_the_data(tmp_path, monkeypatch):
    db = tmp_path / "s.sqlite3"
    with Store.open(db, now=T0) as s:
        s.record(family="einsum.matmul", form="write", topic="einsum", seed=3, response="ij,jk->ik", correct=True,
                 reason="", duration_ms=900, hints_used=0, suggested_rating=4, when=T0, session="t")
    calls = []

    def v2(conn, now):
        calls.append(now)
        conn.execute("ALTER TABLE reviews ADD COLUMN device TEXT NOT NULL DEFAULT 'terminal'")

    monkeypatch.setattr(store_mod, "MIGRATIONS", [*store_mod.MIGRATIONS, v2])
    monkeypatch.setattr(store_mod, "SCHEMA_VERSION", 2)
    for _ in range(2):
        Store.open(db, now=T0).close()
    assert len(calls) == 1
    assert rows(db, "PRAGMA user_version")[0][0] == 2
    assert [tuple(r) for r in rows(db, "SELECT seed, response, device FROM reviews")] == [(3, "ij,jk->ik", "terminal")]


def test_a_failed_review_leaves_nothing_half_written(tmp_path, monkeypatch):
    db = tmp_path / "s.sqlite3"
    with Store.open(db, now=T0) as s:
        s.record(family="einsum.dot", form="write", topic="einsum", seed=1, response="i,i->", correct=True,
                 reason="", duration_ms=900, hints_used=0, suggested_rating=3, when=T0, session="t")
        before = [tuple(r) for r in s.conn.execute("SELECT * FROM cards")]

        def boom(*a, **k):
            raise RuntimeError("scheduler crashed")

        monkeypatch.setattr(s.reviewer, "review", boom)
        for fam in ("einsum.dot", "einsum.outer"):  # an existing card and a new one
            with pytest.raises(RuntimeError):
                s.record(family=fam, form="write", topic="einsum", seed=2, response="x", correct=False, reason="",
                         duration_ms=1, hints_used=0, suggested_rating=1, when=T0 + timedelta(hours=1), session="t")
        assert [tuple(r) for r in s.conn.execute("SELECT * FROM cards")] == before
        assert s.conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1
        assert not s.conn.in_transaction
    assert integrity_ok(db)


def test_override_reschedules_from_the_state_before_the_review(tmp_path):
    db = tmp_path / "s.sqlite3"
    with Store.open(db, now=T0) as s:
        rec = s.record(family="einsum.dot", form="write", topic="einsum", seed=1, response="i,i->", correct=True,
                       reason="", duration_ms=900, hints_used=0, suggested_rating=4, when=T0, session="t")
        assert rec.due - T0 > timedelta(days=2)  # Easy on a new card: days away
        new = s.override(rec.review_id, 1)
        assert new.due - T0 == timedelta(minutes=1)  # Again: the first learning step
        r = rows(db, "SELECT suggested_rating, rating, due_after FROM reviews")[0]
        assert (r["suggested_rating"], r["rating"]) == (4, 1)
        assert rows(db, "SELECT due FROM cards")[0][0] == r["due_after"]
        with pytest.raises(StoreError, match="does not exist"):
            s.override(999, 2)


def test_a_write_that_fails_is_a_clear_error_and_saves_nothing(tmp_path):
    db = tmp_path / "s.sqlite3"
    with Store.open(db, now=T0) as s:
        s.record(family="einsum.dot", form="write", topic="einsum", seed=1, response="i,i->", correct=True,
                 reason="", duration_ms=900, hints_used=0, suggested_rating=3, when=T0, session="t")
        s.conn.close()
        s.conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, isolation_level=None)  # writes now fail
        with pytest.raises(StoreError, match=f"cannot write to the drill store {db}.*readonly"):
            s.record(family="einsum.outer", form="write", topic="einsum", seed=2, response="x", correct=False,
                     reason="", duration_ms=1, hints_used=0, suggested_rating=1, when=T0, session="t")
        assert not s.conn.in_transaction
    assert len(rows(db, "SELECT * FROM reviews")) == 1 and integrity_ok(db)


def test_a_bad_cell_is_named_in_one_line_never_a_traceback(tmp_path):
    """A hand-edited or damaged cell (a due time as words, broken fsrs JSON) stops drill and stats
    with one line naming the card and the cell; the file is left as it was."""
    t0 = datetime(2030, 1, 6, 9, 0, tzinfo=timezone.utc)
    db = tmp_path / "drill.sqlite3"
    with Store.open(db, now=t0) as store:
        store.record(family="einsum.matmul", form="write", topic="einsum", seed=1, response="x", correct=False,
                     reason="", duration_ms=1000, hints_used=0, suggested_rating=1, when=t0, session="s")
    later = "2030-01-07T09:00Z"
    for column, value, said in (("due", "tomorrow", "due 'tomorrow' is not a time"),
                                ("fsrs", "{broken", "not readable fsrs Card JSON")):
        conn = sqlite3.connect(db)
        before = conn.execute("SELECT due, fsrs FROM cards").fetchone()
        conn.execute(f"UPDATE cards SET {column} = ?", (value,))
        conn.commit()
        conn.close()
        r = run(["drill", "--family", "einsum.matmul", "--form", "write", "--db", str(db), "--new", "0"],
                      input="ij,jk->ik\n", now=later)
        assert r.returncode == 1 and "Traceback" not in r.stdout + r.stderr, r.stdout + r.stderr
        err = r.stderr.strip().splitlines()
        assert len(err) == 1 and said in err[0] and "einsum.matmul (write)" in err[0], r.stderr
        if column == "due":
            s = run(["stats", "--db", str(db)], now=later)
            assert s.returncode == 1 and said in s.stderr and len(s.stderr.strip().splitlines()) == 1, s.stderr
        conn = sqlite3.connect(db)
        assert conn.execute(f"SELECT {column} FROM cards").fetchone()[0] == value  # left untouched
        assert conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 1
        conn.execute("UPDATE cards SET due = ?, fsrs = ?", before)
        conn.commit()
        conn.close()

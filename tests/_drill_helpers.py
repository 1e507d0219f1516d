"""Drive real ``cardgen drill`` processes: through pipes, through a pseudo-terminal, and read
what they stored. Answers are computed from the header each exercise prints
(``family · form · seed N``), by regenerating the variant with the exercise registry."""
from __future__ import annotations

import codecs
import json
import os
import pty
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEADER = re.compile(r"\[(\d+)/(\d+)\] (\S+) · (\w+) · seed (\d+)")
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\r")
PROMPT = "answer> "
RATING_PROMPT = "1 again 2 hard 3 good 4 easy> "


def drill_env(now: datetime | str | None = None, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"PYTHONPATH": str(ROOT), "TZ": "UTC", "COLUMNS": "100", "NO_COLOR": "1", "TERM": "xterm"})
    env.pop("CARDGEN_NOW", None)
    if now is not None:
        env["CARDGEN_NOW"] = now if isinstance(now, str) else now.isoformat()
    env.update(extra)
    return env


def cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "cardgen", *args]


def run(args: list[str], input: str = "", now=None, timeout: float = 60, **extra) -> subprocess.CompletedProcess:
    """Run ``cardgen ARGS`` to the end with ``input`` piped to stdin."""
    return subprocess.run(cmd(*args), input=input, capture_output=True, text=True, timeout=timeout,
                          env=drill_env(now, **extra), cwd=ROOT)


def answer_for(family: str, form: str, seed: int) -> str:
    from exercises import get_family

    return get_family(family).variant(seed=seed, form=form).answer_text


def wrong_for(family: str, form: str, seed: int) -> str:
    from exercises import get_family

    return get_family(family).variant(seed=seed, form=form).distractors[0]


class Driver:
    """Reads a child's output from ``fd`` until a pattern appears; writes lines to ``wfd``."""

    def __init__(self, pid: int, rfd: int, wfd: int, proc: subprocess.Popen | None = None):
        self.pid, self.rfd, self.wfd, self.proc = pid, rfd, wfd, proc
        self.raw = ""  # everything read
        self.text = ""  # the same, ANSI codes stripped
        self.pos = 0  # where the last expect() matched up to
        self.returncode: int | None = None
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")

    def _read(self, timeout: float) -> bool:
        r, _, _ = select.select([self.rfd], [], [], timeout)
        if not r:
            return True
        try:
            chunk = os.read(self.rfd, 65536)
        except OSError:  # EIO: pty closed
            chunk = b""
        if not chunk:
            return False
        self.raw += self._decoder.decode(chunk)
        self.text = ANSI.sub("", self.raw)
        return True

    def expect(self, pattern: str, timeout: float = 30) -> re.Match:
        """Wait for ``pattern`` (regex) after the previous match; return its match."""
        rx = re.compile(pattern)
        end = time.monotonic() + timeout
        while True:
            m = rx.search(self.text, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {pattern!r}; output so far:\n{self.text}")
            if not self._read(min(left, 0.5)):
                m = rx.search(self.text, self.pos)
                if m:
                    self.pos = m.end()
                    return m
                raise AssertionError(f"output ended before {pattern!r}; output:\n{self.text}")

    def next_exercise(self, timeout: float = 60) -> tuple[str, str, int]:
        """Wait for the next exercise header and its answer prompt; (family, form, seed)."""
        m = self.expect(HEADER.pattern, timeout)
        self.expect(re.escape(PROMPT), timeout)
        return m.group(3), m.group(4), int(m.group(5))

    def send(self, line: str) -> None:
        os.write(self.wfd, (line + "\n").encode())

    def wait_blocked_on_input(self, timeout: float = 10) -> None:
        """Wait until the child's main thread sleeps in select/poll/read on its input.

        CPython notices a signal that lands just before it enters select() only at the next
        keystroke, so a test that presses Ctrl-C must wait until the child is really waiting."""
        wchan = Path(f"/proc/{self.pid}/task/{self.pid}/wchan")
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                where = wchan.read_text()
            except OSError:  # no /proc: a short pause instead
                time.sleep(0.5)
                return
            if any(w in where for w in ("select", "poll", "wait_woken", "tty_read", "pipe_read")):
                time.sleep(0.05)
                return
            time.sleep(0.02)
        raise AssertionError(f"child never waited for input (wchan {where!r})")

    def send_raw(self, data: bytes) -> None:
        os.write(self.wfd, data)

    def read_to_end(self, timeout: float = 30) -> str:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not self._read(0.2):
                break
        return self.text

    def wait(self, timeout: float = 30) -> int:
        """Wait for the child to exit; its exit code (negative signal number if killed)."""
        self.read_to_end(timeout)
        if self.proc is not None:
            self.returncode = self.proc.wait(timeout)
        else:
            end = time.monotonic() + timeout
            while True:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > end:
                    raise AssertionError("child did not exit")
                time.sleep(0.05)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def kill(self, sig: int = signal.SIGKILL) -> None:
        os.kill(self.pid, sig)

    def close(self) -> None:
        if self.proc is not None:  # the Popen's file objects own the pipe descriptors
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()
            for f in (self.proc.stdin, self.proc.stdout):
                try:
                    f.close()
                except OSError:
                    pass
            return
        try:
            os.close(self.rfd)
        except OSError:
            pass
        if self.proc is None and self.returncode is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass


def _warm() -> None:
    """Import torch and the families in this process before a drill starts timing answers, so
    the first answer is not slowed (and its rating changed) by the test's own imports."""
    answer_for("einsum.matmul", "write", 0)


def spawn_pipe(args: list[str], now=None, **extra) -> Driver:
    """``cardgen ARGS`` with stdin/stdout pipes (non-terminal mode), answered interactively."""
    _warm()
    proc = subprocess.Popen(cmd(*args), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=drill_env(now, **extra), cwd=ROOT, bufsize=0)
    return Driver(proc.pid, proc.stdout.fileno(), proc.stdin.fileno(), proc)


def spawn_pty(args: list[str], now=None, **extra) -> Driver:
    """``cardgen ARGS`` on a pseudo-terminal (terminal mode: rating prompt, Ctrl-C as SIGINT)."""
    _warm()
    env = drill_env(now, **extra)
    pid, master = pty.fork()
    if pid == 0:  # child: the pty is its controlling terminal
        try:
            os.chdir(ROOT)
            os.execve(sys.executable, cmd(*args), env)
        finally:
            os._exit(127)
    return Driver(pid, master, master)


# ------------------------------------------------------------------------- reading the store


def rows(db: Path, sql: str, args: tuple = ()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def reviews(db: Path) -> list[sqlite3.Row]:
    return rows(db, "SELECT r.*, c.family, c.form FROM reviews r JOIN cards c ON c.id = r.card_id ORDER BY r.id")


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts)


def fsrs_replay(db: Path, card_id: int):
    """The card as fsrs' own Scheduler (the store's parameters, no fuzz) computes it from the
    stored review logs in the order they were saved (checked to be time order), and the
    last review time."""
    from fsrs import Card, Rating, Scheduler

    sched_json = rows(db, "SELECT value FROM meta WHERE key = 'scheduler'")[0][0]
    d = json.loads(sched_json)
    d["enable_fuzzing"] = False
    scheduler = Scheduler.from_dict(d)
    logs = rows(db, "SELECT rating, reviewed_at FROM reviews WHERE card_id = ? ORDER BY id", (card_id,))
    times = [log["reviewed_at"] for log in logs]
    assert times == sorted(times), "reviews of a card were applied out of time order"
    card = Card(card_id=card_id, due=parse(logs[0]["reviewed_at"]))
    for log in logs:
        card, _ = scheduler.review_card(card, Rating(log["rating"]), parse(log["reviewed_at"]))
    return card, parse(logs[-1]["reviewed_at"])


def fuzz_bound(interval: timedelta) -> timedelta:
    """A safe bound on fsrs' interval fuzz: none below 2.5 days; above, fsrs draws from
    [ivl - delta, ivl + delta + 1) with delta <= 1 + 15% of the interval, then rounds."""
    days = interval.total_seconds() / 86400
    return timedelta(0) if days < 2.5 else timedelta(days=2.5 + 0.15 * days)


def assert_matches_fsrs(db: Path) -> None:
    """Every stored card equals fsrs' own replay of its review logs (state, step, stability,
    difficulty; due exactly, or within the fuzz range for long intervals)."""
    for c in rows(db, "SELECT * FROM cards"):
        stored = json.loads(c["fsrs"])
        ref, last = fsrs_replay(db, c["id"])
        assert stored["state"] == int(ref.state) == c["state"], c["family"]
        assert stored["step"] == ref.step
        assert abs(stored["stability"] - ref.stability) < 1e-9
        assert abs(stored["difficulty"] - ref.difficulty) < 1e-9
        due = parse(stored["due"])
        assert parse(c["due"]) == due
        assert abs(due - ref.due) <= fuzz_bound(ref.due - last), (c["family"], due, ref.due)


def integrity_ok(db: Path) -> bool:
    return [r[0] for r in rows(db, "PRAGMA integrity_check")] == ["ok"]

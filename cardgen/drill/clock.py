"""Time for the drill: timezone-aware UTC inside, local time only for "today" and display.

``CARDGEN_NOW`` (ISO-8601; a time without an offset is read as UTC) sets the clock's start,
after which it advances with real elapsed time. Tests use it to simulate tomorrow's session
and to check due dates; nothing else changes.
"""
from __future__ import annotations

import os
import time
from datetime import date, datetime, timedelta, timezone

UTC = timezone.utc


class ClockError(ValueError):
    pass


def parse_time(text: str) -> datetime:
    """An ISO-8601 time as aware UTC (``Z`` and offsets accepted; naive means UTC)."""
    s = text.strip()
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(s)
    except ValueError:
        raise ClockError(f"{text!r} is not an ISO-8601 time such as 2025-01-31T09:00:00Z") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def iso(dt: datetime) -> str:
    """The store's time format: UTC, always with microseconds, so text order is time order."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime; the drill stores only aware UTC times")
    return dt.astimezone(UTC).isoformat(timespec="microseconds")


class Clock:
    """``now()`` in aware UTC: real time, or ``CARDGEN_NOW`` plus the time elapsed since start."""

    def __init__(self, start: datetime | None = None):
        if start is None and os.environ.get("CARDGEN_NOW"):
            try:
                start = parse_time(os.environ["CARDGEN_NOW"])
            except ClockError as e:
                raise ClockError(f"CARDGEN_NOW: {e}") from None
        self._start = start
        self._t0 = time.monotonic()

    def now(self) -> datetime:
        if self._start is None:
            return datetime.now(UTC)
        return self._start + timedelta(seconds=time.monotonic() - self._t0)

    def today(self) -> date:
        """Today's date in the local time zone (the learner's day, for stats and streaks)."""
        return self.now().astimezone().date()


def local_midnight_after(day: date) -> datetime:
    """The aware UTC instant at which local ``day`` ends."""
    nxt = datetime.combine(day + timedelta(days=1), datetime.min.time())
    return nxt.astimezone().astimezone(UTC)  # naive -> local -> UTC


def describe_due(due: datetime, now: datetime) -> str:
    """Short relative text for a due time: ``now``, ``in 10 min``, ``in 3 days (Mon 12 Jan)``."""
    secs = (due - now).total_seconds()
    if secs <= 30:
        return "now"
    if secs < 3600:
        return f"in {max(1, round(secs / 60))} min"
    local = due.astimezone()
    if secs < 86400:
        return f"in {round(secs / 3600)} h ({local:%H:%M})"
    days = round(secs / 86400)
    return f"in {days} day{'s' if days != 1 else ''} ({local:%a} {local.day} {local:%b})"

"""Time as an argument: every rule with a clock takes `today` or `now`.

Dates in the book are UTC. `today`/`now` default to the real clock only at
the outermost call, so tests pass explicit dates and never patch time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta


def utc_today(today: date | None = None) -> date:
    return today if today is not None else datetime.now(UTC).date()


def utc_now(now: datetime | None = None) -> datetime:
    """A naive datetime meaning UTC (how the book stores instants)."""
    if now is None:
        now = datetime.now(UTC)
    if now.tzinfo is not None:
        now = now.astimezone(UTC).replace(tzinfo=None)
    return now


def add_business_days(start: date, days: int) -> date:
    """R8: Monday to Friday only. A Friday plus 5 business days is the next Friday."""
    d = start
    left = days
    while left > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            left -= 1
    return d


def end_of_day(d: date) -> datetime:
    """23:59:59 UTC on `d` (naive, meaning UTC): the last second a window is open (R10)."""
    return datetime.combine(d, time(23, 59, 59))

"""A clock the test controls, for everything the app stamps or decides by date outside workflows."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

from domain.calendar import CHINA_TIME

# `TESTS_AS_OF=2027-04-02 pytest ...` runs the suite as if it were that day in Shanghai (at the same time of
# day): the clocks tests control read the real time moved by whole days, and the time-skipping server is
# slept forward by as many before its first test. Tests on the dev server run on its real time.
AS_OF_VARIABLE = "TESTS_AS_OF"


def as_of_offset() -> timedelta:
    """How far `TESTS_AS_OF` lies ahead of today (whole days); zero when it is not set."""
    value = os.environ.get(AS_OF_VARIABLE)
    if not value:
        return timedelta(0)
    today = datetime.now(UTC).astimezone(CHINA_TIME).date()
    days = (date.fromisoformat(value) - today).days
    if days < 0:
        # The time-skipping server only moves forward from the real now.
        raise ValueError(f"{AS_OF_VARIABLE}={value} is in the past; only later days can be simulated")
    return timedelta(days=days)


class SettableClock:
    """Real time until a test sets it (Temporal's dev server runs on real time); then the instant set."""

    def __init__(self) -> None:
        self._at: datetime | None = None
        self._offset = as_of_offset()

    def __call__(self) -> datetime:
        return self._at if self._at is not None else datetime.now(UTC) + self._offset

    def set(self, at: datetime) -> datetime:
        if at.tzinfo is None:
            raise ValueError("a clock is set to an aware time")
        self._at = at
        return at

    def follow_real_time(self) -> None:
        self._at = None

    def freeze(self) -> datetime:
        """Stop at the real now: what the test computes and what the app decides use the same instant."""
        return self.set(datetime.now(UTC) + self._offset)

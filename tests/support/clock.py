"""A clock the test controls, for everything the app stamps or decides by date outside workflows."""

from __future__ import annotations

from datetime import UTC, datetime


class SettableClock:
    """Real time until a test sets it (Temporal's dev server runs on real time); then the instant set."""

    def __init__(self) -> None:
        self._at: datetime | None = None

    def __call__(self) -> datetime:
        return self._at if self._at is not None else datetime.now(UTC)

    def set(self, at: datetime) -> datetime:
        if at.tzinfo is None:
            raise ValueError("a clock is set to an aware time")
        self._at = at
        return at

    def follow_real_time(self) -> None:
        self._at = None

    def freeze(self) -> datetime:
        """Stop at the real now: what the test computes and what the app decides use the same instant."""
        return self.set(datetime.now(UTC))

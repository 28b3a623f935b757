"""The time outside workflows: one function, passed in, so that a test chooses the day.

Workflows read `workflow.now()`. Everything else that stamps a time or decides by today's date (the
API's receipts, default deadlines, "已超期" on the public page, token lifetimes) takes a `Clock`: the
system's in production, a fixed or settable one in tests, so no test depends on the day it runs.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)

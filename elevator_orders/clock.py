"""The time outside workflows: one function, passed in, so that a test chooses the day.

Workflows read `workflow.now()`. Everything else that stamps a time or decides by today's date (the
API's receipts, default deadlines, "已超期" on the public page, token lifetimes; the worker's projections,
outbox, mail headers and sent-log) takes a `Clock`, `system_clock` unless given: `create_app(..., clock)`
and `running_worker(..., clock=...)` pass one to all of it, so a test chooses the day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)

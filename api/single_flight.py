"""Identical requests in flight at once share one call: an alarm storm repeats each alarm many times."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

Key = TypeVar("Key", bound=Hashable)
Result = TypeVar("Result")


class SingleFlight(Generic[Key, Result]):
    """Runs one call per key at a time; callers that come while it runs get its result (or its error).

    Nothing is kept once the call has finished: a later caller makes a call of its own. The call runs
    to its end even if every caller has gone, so an alarm reported is recorded whoever waits for it.
    """

    def __init__(self) -> None:
        self._calls: dict[Key, asyncio.Task[Result]] = {}

    async def run(self, key: Key, call: Callable[[], Awaitable[Result]]) -> tuple[Result, bool]:
        """The call's result, and whether this caller shared a call another caller had started."""
        task = self._calls.get(key)
        shared = task is not None
        if task is None:
            task = asyncio.ensure_future(call())
            self._calls[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return await asyncio.shield(task), shared

    def _finished(self, key: Key, task: asyncio.Task[Result]) -> None:
        if self._calls.get(key) is task:
            del self._calls[key]
        # Marks a failure as seen when every caller had gone: it reached whoever still waited.
        if not task.cancelled():
            task.exception()

"""A legal clock inside a workflow that can be extended (延期) or paused (中止计时) while it runs.

The clock is plain workflow state: moving it changes a due time and wakes the waiter, so the workflow
keeps running, its history stays one history, and a replay moves it the same way.
"""

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from temporalio import workflow


@dataclass
class ClockState:
    policy_key: str
    due_at: datetime
    remind_at: datetime | None = None
    paused_since: datetime | None = None
    # Total time excluded by pauses so far, e.g. while an inspection agency tests the car.
    paused_for: timedelta = timedelta(0)


class Clock:
    def __init__(self, state: ClockState) -> None:
        self.state = state
        self._moves = 0

    @property
    def paused(self) -> bool:
        return self.state.paused_since is not None

    def extend(self, due_at: datetime) -> None:
        self.state.due_at = due_at
        self._moves += 1

    def pause(self, at: datetime) -> None:
        self.state.paused_since = at
        self._moves += 1

    def resume(self, at: datetime) -> None:
        """Restart the clock; the paused time is added to the deadline (and to a pending reminder)."""
        assert self.state.paused_since is not None
        excluded = at - self.state.paused_since
        self.state.paused_for += excluded
        self.state.due_at += excluded
        if self.state.remind_at is not None:
            self.state.remind_at += excluded
        self.state.paused_since = None
        self._moves += 1

    async def wait_until_reminder(self, done: Callable[[], bool]) -> bool:
        """Wait for `done` until the reminder time; True if done before it (or there is none)."""
        return await self._wait(done, lambda: self.state.remind_at)

    async def wait(self, done: Callable[[], bool]) -> bool:
        """Wait for `done` until the deadline, following every extension and pause; True if in time."""
        return await self._wait(done, lambda: self.state.due_at)

    async def _wait(self, done: Callable[[], bool], until: Callable[[], datetime | None]) -> bool:
        while not done():
            woken = self._done_or_moved(done)
            target = until()
            if target is None:
                return True
            if self.paused:
                await workflow.wait_condition(woken)
                continue
            remaining = target - workflow.now()
            if remaining <= timedelta(0):
                return False
            with contextlib.suppress(TimeoutError):
                # No timer summary: payloads are encrypted and the Web UI has no codec server, so it
                # would show ciphertext, for an encryption and 150 bytes of history on every clock.
                await workflow.wait_condition(woken, timeout=remaining)
        return True

    def _done_or_moved(self, done: Callable[[], bool]) -> Callable[[], bool]:
        moves = self._moves
        return lambda: done() or self._moves != moves

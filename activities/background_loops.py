"""Stopping the worker's background loops (mail outbox, outbound channels) without hanging its shutdown."""

from __future__ import annotations

import asyncio


async def stop_loop(loop: asyncio.Task[None], grace_seconds: float) -> None:
    """Give a loop already told to stop `grace_seconds` to finish what it holds, then cancel it until it ends.

    Told by a flag, not only a cancel: Python 3.11's wait_for and some database drivers can swallow a
    CancelledError, and a loop that never saw it would keep the worker from ever shutting down.
    """
    await asyncio.wait({loop}, timeout=grace_seconds)
    while not loop.done():
        loop.cancel()
        await asyncio.wait({loop}, timeout=1.0)

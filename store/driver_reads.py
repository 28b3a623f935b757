"""The hot reads on PostgreSQL: a few driver connections of their own, taken and given back by a list op.

Through the engine's pool every read paid about 90 us above its statement (a greenlet, the checkout and
its events, the reset on return): as long as the elevator listing's own SQL in `make bench`'s read
model, and paid again by the account read of every API request. These connections are made as the
engine makes its own (its creator, its connect events, its errors) and then detached from its pool;
reads run on them outside any transaction, as they did on the pool's.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy import Engine, event

from store.units import Rows

# Bound statements: the SQL text and its positional arguments.
Bound = Sequence[tuple[str, Sequence[object]]]
# More reads at once than this wait for a connection: each is a PostgreSQL backend of its own.
MOST_CONNECTIONS = 8


class DriverReads:
    """Runs reads on driver connections kept for them; `connect` makes one (a detached pool connection)."""

    def __init__(self, engine: Engine, connect: Callable[[], Awaitable[Any]]) -> None:
        self._connect = connect
        self._free: list[Any] = []
        self._open: set[Any] = set()
        self._slots = asyncio.Semaphore(MOST_CONNECTIONS)
        # Whoever disposes the engine without closing this (tests, tools) still closes every connection.
        event.listen(engine, "engine_disposed", _terminating(weakref.ref(self)))

    def connections(self) -> list[Any]:
        """The driver connections open now (the benchmark listens to their statements)."""
        return list(self._open)

    async def fetch(self, bound: Bound) -> list[Rows]:
        """Each statement's rows, on one connection; a connection the server dropped is tried once more."""
        async with self._slots:
            connection = await self._take()
            try:
                return await _fetch_all(connection, bound)
            except Exception:
                if not connection.is_closed():
                    raise
            finally:
                self._give_back(connection)
            # A read runs again without harm: once more, on a connection made now.
            connection = await self._take(fresh=True)
            try:
                return await _fetch_all(connection, bound)
            finally:
                self._give_back(connection)

    async def _take(self, *, fresh: bool = False) -> Any:
        while self._free and not fresh:
            connection = self._free.pop()
            if not connection.is_closed():
                return connection
            self._open.discard(connection)
        connection = await self._connect()
        self._open.add(connection)
        return connection

    def _give_back(self, connection: Any) -> None:
        if connection.is_closed():
            self._open.discard(connection)
        else:
            self._free.append(connection)

    async def close(self) -> None:
        """Close every connection, as a client leaving does."""
        connections, self._free, self._open = list(self._open), [], set()
        await asyncio.gather(*(connection.close() for connection in connections), return_exceptions=True)

    def terminate(self) -> None:
        """Drop every connection at once (no goodbye to the server): for an engine disposed before this."""
        connections, self._free, self._open = list(self._open), [], set()
        for connection in connections:
            connection.terminate()


def _terminating(reads: weakref.ref[DriverReads]) -> Callable[[Engine], None]:
    def terminate(_engine: Engine) -> None:
        alive = reads()
        if alive is not None:
            alive.terminate()

    return terminate


async def _fetch_all(connection: Any, bound: Bound) -> list[Rows]:
    return [await connection.fetch(sql, *arguments) for sql, arguments in bound]

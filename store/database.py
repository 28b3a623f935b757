"""One unit of work, one call: repositories hand the database a plain function of a Session.

Through aiosqlite every statement is four hops between the event loop and the connection's thread
(cursor, execute, fetch, close) and a session adds two more: a one-query read cost 0.9 ms of CPU and
each further query 0.5 ms (`make bench`'s API spent about half its CPU there). So on SQLite a unit of
work runs whole on a thread of its own, with the sqlite3 driver: 0.37 ms for the same read, 0.1 ms per
further query. On PostgreSQL the async driver has no such cost and the same function runs in the
async session (`run_sync`). Either way the function is the transaction: nothing else runs inside it.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any, cast

import asyncpg
from sqlalchemy import (
    ClauseElement,
    Engine,
    Executable,
    text,
)
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import Session
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.util import await_, greenlet_spawn

from store.compiled import Statements, insert_keys
from store.driver_reads import DriverReads
from store.sqlite_units import ThreadedSessions
from store.units import AnySelect, Rows, Run, StatementWork, Step, T, Work

__all__ = ["AnySelect", "Database", "Rows", "Run", "StatementWork", "Step", "Work"]


class Database:
    """Runs units of work against the engine's database: `read` in a session, `write` in a transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._async_engine = engine
        self._async_sessions = async_sessionmaker(engine, expire_on_commit=False)
        # Reads need no transaction: at PostgreSQL's READ COMMITTED each statement sees its own snapshot
        # inside one as well, so BEGIN and ROLLBACK would only add two round trips to every read (0.4 ms
        # of a 1.6 ms listing in a micro-benchmark of `make bench`'s read model).
        self._read_engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._async_read_sessions = async_sessionmaker(self._read_engine, expire_on_commit=False)
        self._statements = Statements(engine.dialect)
        # The hot writes check a connection out of the engine's own pool and run on its driver.
        self._pool = engine.sync_engine.pool
        self._driver_error: type[Exception] = engine.dialect.loaded_dbapi.Error
        self._threaded: ThreadedSessions | None = None
        self._reads: DriverReads | None = None
        if engine.dialect.name != "sqlite":
            self._reads = DriverReads(engine.sync_engine, self._read_connection)
        else:
            self._threaded = ThreadedSessions(engine)
            # Tests and tools drop a Database without closing it: its threads and file handles go with it.
            # Without waiting: the last reference may go on one of its own threads, which cannot join itself.
            weakref.finalize(self, self._threaded.close, wait=False)

    @property
    def dialect(self) -> str:
        """The database's dialect name: "sqlite" or "postgresql"."""
        return str(self._async_engine.dialect.name)

    @property
    def sync_engine(self) -> Engine:
        """The synchronous engine the units of work run on: the one whose events see every statement."""
        return self._threaded.engine if self._threaded is not None else self._async_engine.sync_engine

    async def ping(self) -> None:
        """Raise unless the database answers a query (the API's readiness check)."""
        await self.read(lambda session: session.execute(text("SELECT 1")).scalar_one())

    async def read(self, work: Work[T]) -> T:
        """`work` in a session of its own, outside any transaction: it reads, and must not write."""
        if self._threaded is not None:
            return await self._threaded.run(work, write=False)
        async with self._async_read_sessions() as session:
            return await session.run_sync(work)

    async def select(self, *statements: AnySelect, values: Mapping[str, object]) -> list[Rows]:
        """Each statement's rows (values in column order), on one connection, with `values` bound by name.

        For the hot listings: the statements are built once per shape and kept by the caller, so on
        PostgreSQL they are compiled once and run on the driver itself, on a connection kept for reads
        (store/driver_reads.py says why). Through SQLAlchemy's execution a page of a listing cost 1.4 ms
        where its two statements took 0.24 ms on the driver (`make bench`'s read model). Values come
        back as the ORM would give them: asyncpg returns aware UTC times and decodes JSON with orjson.
        """
        if self._threaded is not None:
            return await self._threaded.select(statements, values)
        assert self._reads is not None
        return await self._reads.fetch(
            [self._statements.bound(self._statements.compiled(statement), values) for statement in statements]
        )

    async def lookup(self, *statements: AnySelect, values: Mapping[str, object]) -> list[Rows]:
        """`select` for reads by key (an account, a ticket, an elevator): a few rows from an index.

        On SQLite these run on the calling thread: such a read costs 17 µs of CPU there and the hop to a
        pool thread and back 95 µs (the API reads its caller and the ticket on every action, three hops of
        each). Anything that may scan (a listing, a count) goes through `select`, off the event loop.
        """
        if self._threaded is not None:
            return self._threaded.select_here(statements, values)
        return await self.select(*statements, values=values)

    def read_connections(self) -> list[Any]:
        """The driver connections the hot reads run on now, on PostgreSQL (the benchmark listens to them)."""
        return [] if self._reads is None else self._reads.connections()

    async def _read_connection(self) -> Any:
        """A new connection for the hot reads: made (and pinged) by the engine's pool, then taken from it."""
        return await greenlet_spawn(self._detached_connection)

    def _detached_connection(self) -> Any:
        connection = self._checkout()
        driver = connection.driver_connection
        connection.detach()
        return driver

    def _checkout(self) -> PoolProxiedConnection:
        """A connection from the engine's pool; one that cannot be made fails as `engine.connect()` fails.

        That is, as a DBAPIError wrapping the driver's error (a server still starting up refuses with
        CannotConnectNowError), which the API answers with a 503 like any other unreachable database.
        """
        try:
            return self._pool.connect()
        except self._driver_error as error:
            raise DBAPIError.instance(
                None,
                None,
                error,
                self._driver_error,
                hide_parameters=True,
                dialect=self._async_engine.dialect,
            ) from error

    async def write(self, work: Work[T]) -> T:
        """`work` in a transaction, committed when it returns and rolled back when it raises."""
        if self._threaded is not None:
            return await self._threaded.run(work, write=True)
        async with self._async_sessions.begin() as session:
            return await session.run_sync(work)

    async def execute(self, *steps: Step) -> list[Rows]:
        """Statements in one transaction on the driver itself, each run once per set of values it is given.

        For the writes of every action (the projection, the outbox): compiled once per statement and
        shape and run on the driver, as `select` runs the hot reads. Through the ORM session the same
        projection cost 1.15 ms of CPU. A statement given no values is skipped; each statement's
        RETURNING rows come back in order (an empty list for one without RETURNING).
        """
        if self._threaded is not None:
            return await self._threaded.execute(steps)
        try:
            return await greenlet_spawn(self._execute_here, steps)
        except asyncpg.PostgresError as error:
            # As SQLAlchemy's execution raises it, and as `execute` raises on SQLite: a unique key a
            # write meets is an IntegrityError whatever the backend.
            failure = (
                IntegrityError if isinstance(error, asyncpg.IntegrityConstraintViolationError) else DBAPIError
            )
            raise failure(None, None, error) from error

    def _execute_here(self, steps: Sequence[Step]) -> list[Rows]:
        connection = self._checkout()
        try:
            return await_(self._execute_on(connection.driver_connection, steps))
        finally:
            _give_back(connection)

    async def _execute_on(self, driver: Any, steps: Sequence[Step]) -> list[Rows]:
        async with driver.transaction():
            results: list[Rows] = []
            for statement, values in steps:
                entry = self._statements.compiled(statement, insert_keys(statement, values))
                bound = [self._statements.bound(entry, row) for row in values]
                if not bound:
                    results.append([])
                elif entry.returns_rows:
                    fetched = [await driver.fetch(sql, *arguments) for sql, arguments in bound]
                    results.append([row for rows in fetched for row in rows])
                else:
                    await driver.executemany(bound[0][0], [arguments for _, arguments in bound])
                    results.append([])
            return results

    async def write_statements(self, work: StatementWork[T]) -> T:
        """`work` in a transaction, given a `Run` for its statements: for a write that reads first.

        On SQLite the statements run on the driver as in `execute`; on PostgreSQL through the session's
        connection, where the same unit of work costs no more than the driver's round trips.
        """
        if self._threaded is not None:
            return await self._threaded.write_statements(work)
        async with self._async_sessions.begin() as session:
            return await session.run_sync(lambda sync_session: work(partial(run_on_session, sync_session)))

    async def dispose(self) -> None:
        if self._reads is not None:
            await self._reads.close()
        if self._threaded is not None:
            await asyncio.to_thread(self._threaded.close, wait=True)


def _dropped(connection: PoolProxiedConnection) -> bool:
    driver = connection.driver_connection
    return driver is None or bool(driver.is_closed())


def _give_back(connection: PoolProxiedConnection) -> None:
    """Return a connection to its pool, or drop it from the pool if the server closed it meanwhile."""
    if _dropped(connection):
        connection.invalidate()
    else:
        connection.close()


def run_on_session(
    session: Session, statement: ClauseElement, values: Sequence[Mapping[str, object]]
) -> Rows:
    connection = session.connection()
    executable = cast(Executable, statement)
    if len(values) == 1:
        result = connection.execute(executable, values[0])
    elif values:
        result = connection.execute(executable, list(values))
    else:
        return []
    return [tuple(row) for row in result.all()] if result.returns_rows else []

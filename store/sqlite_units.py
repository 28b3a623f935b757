"""SQLite units of work on threads of their own, with the sqlite3 driver (see store/database.py)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import partial

from sqlalchemy import ClauseElement, Connection, Engine, create_engine, event
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import sessionmaker

from store.compiled import Statements, insert_keys, processed
from store.db import JSON_DESERIALIZER, SQLITE_LOCK_WAIT_SECONDS, sqlite_pragmas
from store.units import AnySelect, Rows, StatementWork, Step, T, Work

# Threads for the units of work: the pool holds a connection for each and one for the event loop.
THREADS = 15


class ThreadedSessions:
    """Sessions of a synchronous twin of the async engine, each unit of work run on a pool thread."""

    def __init__(self, engine: AsyncEngine) -> None:
        url = engine.url.set(drivername="sqlite+pysqlite")
        # The same pragmas as the async engine (WAL, foreign keys, busy timeout): they are per connection.
        self.engine: Engine = create_engine(
            url,
            # A connection for each thread and one more: a key read on the event loop's own thread
            # (`Database.lookup`) never waits, blocking the loop, for a pool thread to give one back.
            pool_size=5,
            max_overflow=THREADS + 1 - 5,
            connect_args={"timeout": SQLITE_LOCK_WAIT_SECONDS, "check_same_thread": False},
            json_deserializer=JSON_DESERIALIZER,
        )
        event.listen(self.engine, "connect", sqlite_pragmas)
        event.listen(self.engine, "connect", _no_implicit_begin)
        event.listen(self.engine, "begin", _begin)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            self.engine.execution_options(**{_WRITES: True}), expire_on_commit=False
        )
        self._executor = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="store")
        self._statements = Statements(self.engine.dialect)

    async def run(self, work: Work[T], *, write: bool) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(self._in_session, work, write))

    async def select(self, statements: Sequence[AnySelect], values: Mapping[str, object]) -> list[Rows]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(self._select, statements, dict(values)))

    async def execute(self, steps: Sequence[Step]) -> list[Rows]:
        return await self.write_statements(
            lambda run: [run(statement, values) for statement, values in steps]
        )

    async def write_statements(self, work: StatementWork[T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, partial(self._write_statements, work))

    def _write_statements(self, work: StatementWork[T]) -> T:
        with self._driver_connection() as dbapi_connection:
            _begin_immediate(dbapi_connection)
            try:
                result = work(partial(self._run_step, dbapi_connection))
            except BaseException:
                dbapi_connection.execute("ROLLBACK")
                raise
            dbapi_connection.execute("COMMIT")
            return result

    def _run_step(
        self,
        dbapi_connection: sqlite3.Connection,
        statement: ClauseElement,
        values: Sequence[Mapping[str, object]],
    ) -> Rows:
        entry = self._statements.compiled(statement, insert_keys(statement, values))
        bound = [self._statements.bound(entry, row) for row in values]
        if not bound:
            return []
        try:
            if not entry.returns_rows:
                dbapi_connection.executemany(bound[0][0], [arguments for _, arguments in bound])
                return []
            rows = [
                row for sql, arguments in bound for row in dbapi_connection.execute(sql, arguments).fetchall()
            ]
        except sqlite3.Error as error:
            raise _as_sqlalchemy_error(error, bound[0][0], bound[0][1]) from error
        return processed(rows, entry.column_processors)

    def select_here(self, statements: Sequence[AnySelect], values: Mapping[str, object]) -> list[Rows]:
        return self._select(statements, dict(values))

    def _select(self, statements: Sequence[AnySelect], values: dict[str, object]) -> list[Rows]:
        # On the driver, as on PostgreSQL: SQLAlchemy's execution and result objects cost more than the
        # statements (the API reads its account and the ticket this way on every request).
        with self._driver_connection() as dbapi_connection:
            results: list[Rows] = []
            for statement in statements:
                entry = self._statements.compiled(statement)
                sql, arguments = self._statements.bound(entry, values)
                try:
                    rows = dbapi_connection.execute(sql, arguments).fetchall()
                except sqlite3.Error as error:
                    raise _as_sqlalchemy_error(error, sql, arguments) from error
                results.append(processed(rows, entry.column_processors))
            return results

    @contextmanager
    def _driver_connection(self) -> Iterator[sqlite3.Connection]:
        """A pooled connection's driver connection: without SQLAlchemy's Connection, which cost 40 us."""
        pooled = self.engine.raw_connection()
        try:
            dbapi_connection = pooled.driver_connection
            assert isinstance(dbapi_connection, sqlite3.Connection)
            yield dbapi_connection
        finally:
            pooled.close()

    def _in_session(self, work: Work[T], write: bool) -> T:
        if write:
            with self._write_sessions.begin() as session:
                return work(session)
        with self._sessions() as session:
            return work(session)

    def close(self, *, wait: bool) -> None:
        self._executor.shutdown(wait=wait)
        self.engine.dispose()


def _as_sqlalchemy_error(error: sqlite3.Error, sql: str, arguments: Sequence[object]) -> StatementError:
    """The driver's error as SQLAlchemy's execution raises it (OperationalError, IntegrityError ...)."""
    return DBAPIError.instance(sql, list(arguments), error, sqlite3.Error)


# The execution option that marks a unit of work as a writer.
_WRITES = "store_writes"
# The longest pause between two tries for the lock.
_LOCK_POLL_SECONDS = 0.001


def _no_implicit_begin(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    # The driver would begin a deferred transaction before the first write: `_begin` does it instead.
    dbapi_connection.isolation_level = None


def _begin(connection: Connection) -> None:
    """Writers take SQLite's write lock up front; readers read outside a transaction, as before.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25 ... ms between tries, so a write that met
    the lock held for 3 ms waited 8, and a few of them in a row made the action path's p99 at 50
    actions/s six times bare Temporal's (`make bench`'s latency goal). Taken at BEGIN IMMEDIATE, before
    anything is written, the lock can be tried again at once, so a writer polls every millisecond at
    most and waits about as long as the lock is held: that p99 went from 96 to 56 ms.
    """
    if not connection.get_execution_options().get(_WRITES):
        return
    dbapi_connection = connection.connection.dbapi_connection
    assert isinstance(dbapi_connection, sqlite3.Connection)
    _begin_immediate(dbapi_connection)


def _begin_immediate(dbapi_connection: sqlite3.Connection) -> None:
    """BEGIN IMMEDIATE, tried again every millisecond at most while another connection writes."""
    deadline = time.monotonic() + SQLITE_LOCK_WAIT_SECONDS
    pause = _LOCK_POLL_SECONDS / 16
    dbapi_connection.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, _LOCK_POLL_SECONDS)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_LOCK_WAIT_SECONDS * 1000}")

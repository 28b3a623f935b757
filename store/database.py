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
import sqlite3
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar, cast

import asyncpg
from sqlalchemy import (
    ClauseElement,
    Connection,
    Dialect,
    Engine,
    Executable,
    Insert,
    Select,
    create_engine,
    event,
)
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.compiler import ExpandedState, SQLCompiler

from store.db import JSON_DESERIALIZER, SQLITE_LOCK_WAIT_SECONDS, sqlite_pragmas, unpinged_checkout

T = TypeVar("T")
Work = Callable[[Session], T]

# A SELECT of any columns.
AnySelect = Select[*tuple[Any, ...]]
# A statement's rows, each its values in the order the statement selects them.
Rows = Sequence[Sequence[Any]]
# A statement `Database.execute` runs, and the values of each of its executions, bound by name.
Step = tuple[ClauseElement, Sequence[Mapping[str, object]]]
# Runs a statement once per set of values, inside the caller's transaction; its RETURNING or SELECT rows.
Run = Callable[[ClauseElement, Sequence[Mapping[str, object]]], Rows]
StatementWork = Callable[[Run], T]

# Threads for the units of work: the pool holds a connection for each and one for the event loop.
_THREADS = 15
# Statements `select` has compiled; callers build them once per shape, so a few hundred is plenty.
_COMPILED_LIMIT = 512


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
        self._statements = _Statements(engine.dialect)
        self._threaded: _ThreadedSessions | None = None
        if engine.dialect.name == "sqlite":
            self._threaded = _ThreadedSessions(engine)
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

    async def read(self, work: Work[T]) -> T:
        """`work` in a session of its own, outside any transaction: it reads, and must not write."""
        if self._threaded is not None:
            return await self._threaded.run(work, write=False)
        async with self._async_read_sessions() as session:
            return await session.run_sync(work)

    async def select(self, *statements: AnySelect, values: Mapping[str, object]) -> list[Rows]:
        """Each statement's rows (values in column order), on one connection, with `values` bound by name.

        For the hot listings: the statements are built once per shape and kept by the caller, so on
        PostgreSQL they are compiled once and run on the driver itself. Through SQLAlchemy's execution
        a page of a listing cost 1.4 ms where its two statements took 0.24 ms on the driver (`make
        bench`'s read model). Values come back as the ORM would give them: asyncpg returns aware UTC
        times and decodes JSON with the engine's deserializer.
        """
        if self._threaded is not None:
            return await self._threaded.select(statements, values)
        # A read runs again without harm, so it skips the pool's ping (a round trip of every checkout,
        # as long as the elevator listing's statements in `make bench`'s read model) and finds a
        # connection the server dropped by failing on it: then it runs once more on a checked one.
        with unpinged_checkout():
            async with self._read_engine.connect() as connection:
                driver = (await connection.get_raw_connection()).driver_connection
                assert driver is not None
                try:
                    return await self._fetch_all(driver, statements, values)
                except Exception:
                    if not driver.is_closed():
                        raise
                    await connection.invalidate()
        async with self._read_engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            return await self._fetch_all(driver, statements, values)

    async def lookup(self, *statements: AnySelect, values: Mapping[str, object]) -> list[Rows]:
        """`select` for reads by key (an account, a ticket, an elevator): a few rows from an index.

        On SQLite these run on the calling thread: such a read costs 17 µs of CPU there and the hop to a
        pool thread and back 95 µs (the API reads its caller and the ticket on every action, three hops of
        each). Anything that may scan (a listing, a count) goes through `select`, off the event loop.
        """
        if self._threaded is not None:
            return self._threaded.select_here(statements, values)
        return await self.select(*statements, values=values)

    async def _fetch_all(
        self, driver: Any, statements: Sequence[AnySelect], values: Mapping[str, object]
    ) -> list[Rows]:
        results: list[Rows] = []
        for statement in statements:
            sql, arguments = self._statements.bound(self._statements.compiled(statement), values)
            results.append(await driver.fetch(sql, *arguments))
        return results

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
        async with self._read_engine.connect() as connection:
            driver = (await connection.get_raw_connection()).driver_connection
            assert driver is not None
            try:
                return await self._execute_on(driver, steps)
            except asyncpg.PostgresError as error:
                # As SQLAlchemy's execution raises it, and as `execute` raises on SQLite: a unique key a
                # write meets is an IntegrityError whatever the backend.
                failure = (
                    IntegrityError
                    if isinstance(error, asyncpg.IntegrityConstraintViolationError)
                    else DBAPIError
                )
                raise failure(None, None, error) from error

    async def _execute_on(self, driver: Any, steps: Sequence[Step]) -> list[Rows]:
        async with driver.transaction():
            results: list[Rows] = []
            for statement, values in steps:
                entry = self._statements.compiled(statement, _insert_keys(statement, values))
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
            return await session.run_sync(lambda sync_session: work(partial(_run_on_session, sync_session)))

    async def dispose(self) -> None:
        if self._threaded is not None:
            await asyncio.to_thread(self._threaded.close, wait=True)


def _insert_keys(statement: ClauseElement, values: Sequence[Mapping[str, object]]) -> tuple[str, ...] | None:
    """The columns an INSERT given these values sets (SQLAlchemy compiles an insert for its keys)."""
    if isinstance(statement, Insert) and values:
        return tuple(values[0])
    return None


@dataclass
class _Compiled:
    # Kept with its compilation, so that its id is not reused while it is cached.
    statement: ClauseElement
    compiled: SQLCompiler
    # What turns each column's driver value into the one the ORM would give: None where it is the same.
    column_processors: Sequence[Callable[[Any], Any] | None]
    # The SQL of its last execution, and the bind processors of its parameters by name.
    expanded: tuple[ExpandedState, Mapping[str, Any]] | None = None

    @property
    def returns_rows(self) -> bool:
        """A SELECT, or a write with RETURNING: run once per set of values to collect its rows."""
        return bool(self.column_processors)


class _Statements:
    """Statements compiled once for one dialect, bound by name for the driver at each execution."""

    def __init__(self, dialect: Dialect) -> None:
        self._dialect = dialect
        self._compiled: dict[tuple[int, tuple[str, ...] | None], _Compiled] = {}

    def compiled(self, statement: ClauseElement, insert_keys: tuple[str, ...] | None = None) -> _Compiled:
        key = (id(statement), insert_keys)
        entry = self._compiled.get(key)
        if entry is None:
            if len(self._compiled) >= _COMPILED_LIMIT:
                self._compiled.clear()
            compiled = statement.compile(dialect=self._dialect, column_keys=insert_keys)
            assert isinstance(compiled, SQLCompiler)
            processors = [
                column.type._cached_result_processor(self._dialect, None)
                for column in compiled._result_columns
            ]
            entry = self._compiled[key] = _Compiled(statement, compiled, processors)
        return entry

    def bound(self, entry: _Compiled, values: Mapping[str, object]) -> tuple[str, list[object]]:
        """The compiled statement's SQL for the driver and its arguments in order, bind processors applied."""
        compiled = entry.compiled
        parameters = compiled.construct_params(params=dict(values))
        if entry.expanded is None or compiled.post_compile_params:
            # An IN list is rendered per execution; any other statement's SQL is the same every time.
            state = compiled.construct_expanded_state(parameters)
            # The state's own processors are only those of the names an IN list was expanded into.
            # One assignment: a pool thread running the same statement sees both or neither.
            entry.expanded = (state, {**compiled._bind_processors, **state.processors})
        state, processors = entry.expanded
        # An expanded IN list's values are under the names it was rendered with, in this execution's state.
        expanded = state.parameters if compiled.post_compile_params else parameters
        try:
            arguments = [
                processors[name](expanded[name]) if name in processors else expanded[name]
                for name in state.positiontup or ()
            ]
        except Exception as error:
            # As SQLAlchemy's own execution raises for a value its type refuses (a naive datetime).
            raise StatementError(str(error), state.statement, dict(values), error) from error
        return state.statement, arguments


class _ThreadedSessions:
    """Sessions of a synchronous twin of the async engine, each unit of work run on a pool thread."""

    def __init__(self, engine: AsyncEngine) -> None:
        url = engine.url.set(drivername="sqlite+pysqlite")
        # The same pragmas as the async engine (WAL, foreign keys, busy timeout): they are per connection.
        self.engine: Engine = create_engine(
            url,
            # A connection for each thread and one more: a key read on the event loop's own thread
            # (`Database.lookup`) never waits, blocking the loop, for a pool thread to give one back.
            pool_size=5,
            max_overflow=_THREADS + 1 - 5,
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
        self._executor = ThreadPoolExecutor(max_workers=_THREADS, thread_name_prefix="store")
        self._statements = _Statements(self.engine.dialect)

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
        entry = self._statements.compiled(statement, _insert_keys(statement, values))
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
        return _processed(rows, entry.column_processors)

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
                results.append(_processed(rows, entry.column_processors))
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


def _run_on_session(
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


def _as_sqlalchemy_error(error: sqlite3.Error, sql: str, arguments: Sequence[object]) -> StatementError:
    """The driver's error as SQLAlchemy's execution raises it (OperationalError, IntegrityError ...)."""
    return DBAPIError.instance(sql, list(arguments), error, sqlite3.Error)


def _processed(rows: list[Any], processors: Sequence[Callable[[Any], Any] | None]) -> Rows:
    """Rows as the ORM would give them: each column through its type's result processor, if it has one."""
    if not any(processors):
        return rows
    return [
        tuple(
            value if process is None else process(value)
            for process, value in zip(processors, row, strict=True)
        )
        for row in rows
    ]


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

"""A unit of work is one transaction, and waiting on the database never stalls the event loop."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime

import asyncpg
import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.orm import Session

from api.errors import store_unavailable
from store.database import Database
from store.models import SentMail

AT = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _mail(key: str) -> SentMail:
    return SentMail(idempotency_key=key, recipient="mu@example.cn", subject="派单", ticket_id="t", sent_at=AT)


def _count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(SentMail)) or 0)


async def test_a_write_that_fails_half_way_leaves_nothing_behind(database: Database) -> None:
    def add_then_fail(session: Session) -> None:
        session.add(_mail("t-1"))
        session.flush()
        raise RuntimeError("the second half of the unit of work failed")

    with pytest.raises(RuntimeError, match="second half"):
        await database.write(add_then_fail)

    assert await database.read(_count) == 0


async def test_a_write_is_committed_when_its_work_returns(database: Database) -> None:
    await database.write(lambda session: session.add(_mail("t-2")))

    assert await database.read(_count) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_event_loop_runs_on_while_a_unit_of_work_waits_for_the_write_lock(
    database: Database,
) -> None:
    holding, release = threading.Event(), threading.Event()

    def hold_the_write_lock(session: Session) -> None:
        # A write takes the lock when it begins, at its first statement.
        session.execute(text("SELECT 1"))
        holding.set()
        release.wait(timeout=30)

    holder = asyncio.create_task(database.write(hold_the_write_lock))
    await asyncio.to_thread(holding.wait, 30)
    waiter = asyncio.create_task(database.write(lambda session: session.add(_mail("t-3"))))
    # The second write waits on SQLite's busy timeout in its own thread; on the loop it would have
    # blocked every task until the timeout and then failed, done before the loop ran again.
    for _ in range(20):
        await asyncio.sleep(0)
    assert not waiter.done()
    release.set()
    await asyncio.gather(holder, waiter)

    assert await database.read(_count) == 1


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_reads_and_writes_go_on_after_the_server_dropped_every_pooled_connection(
    database_url: str, database: Database
) -> None:
    pooled = set(await asyncio.gather(*(database.read(_backend_pid) for _ in range(3))))
    await _terminate_our_sessions(database_url)

    await database.write(lambda session: session.add(_mail("t-after-restart")))

    assert await database.read(_count) == 1
    assert await database.read(_backend_pid) not in pooled


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_select_without_the_ping_runs_again_when_its_connection_was_dropped(
    database_url: str, database: Database
) -> None:
    await database.write(lambda session: session.add(_mail("t-before-restart")))
    counting = select(func.count()).select_from(SentMail)
    # Warm connections in the pool, each of which the server is about to end.
    await asyncio.gather(*(database.select(counting, values={}) for _ in range(3)))
    await _terminate_our_sessions(database_url)

    answers = await asyncio.gather(*(database.select(counting, values={}) for _ in range(3)))

    assert [rows[0][0][0] for rows in answers] == [1, 1, 1]


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_read_cancelled_while_the_database_works_gives_its_connection_back(
    database_url: str, database: Database
) -> None:
    reading = asyncio.create_task(database.select(select(func.pg_sleep(30)), values={}))
    await _until(database_url, "the read's statement runs", sleeping=True)

    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading

    # The driver cancels the statement on the server; its connection serves the next reads.
    await _until(database_url, "the server dropped the statement", sleeping=False)
    counting = select(func.count()).select_from(SentMail)
    answers = await asyncio.gather(*(database.select(counting, values={}) for _ in range(3)))
    assert [rows[0][0][0] for rows in answers] == [0, 0, 0]
    assert len(database.read_connections()) == 3


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_disposing_the_engine_closes_the_connections_the_reads_kept(
    database_url: str, engine: AsyncEngine
) -> None:
    database = Database(engine)
    await asyncio.gather(*(database.select(select(func.pg_backend_pid()), values={}) for _ in range(2)))
    kept = database.read_connections()
    assert len(kept) == 2

    await engine.dispose()

    assert all(connection.is_closed() for connection in kept)
    assert database.read_connections() == []


async def _until(database_url: str, what: str, *, sleeping: bool) -> None:
    """Poll the server's activity until a `pg_sleep` of ours runs (or no longer does)."""
    admin = await asyncpg.connect(make_url(database_url).set(drivername="postgresql").render_as_string(False))
    try:
        deadline = asyncio.get_running_loop().time() + 10
        while True:
            running = await admin.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state = 'active' AND query LIKE '%pg_sleep%' AND pid <> pg_backend_pid()"
            )
            if bool(running) == sleeping:
                return
            assert asyncio.get_running_loop().time() < deadline, f"{what}: not within 10 s"
            await asyncio.sleep(0.01)
    finally:
        await admin.close()


async def test_a_server_still_starting_up_fails_a_read_and_a_write_as_an_unavailable_store() -> None:
    async def starting_up() -> asyncpg.Connection:
        raise asyncpg.CannotConnectNowError("the database system is not yet accepting connections")

    engine = create_async_engine("postgresql+asyncpg://orders@127.0.0.1/orders", async_creator=starting_up)
    database = Database(engine)
    try:
        with pytest.raises(DBAPIError) as read:
            await database.select(select(func.count()).select_from(SentMail), values={})
        with pytest.raises(DBAPIError) as written:
            await database.execute((delete(SentMail), [{}]))
    finally:
        await engine.dispose()

    # As `engine.connect()` raises it: the API answers such an error 503, not 500.
    assert store_unavailable(read.value)
    assert store_unavailable(written.value)


async def _terminate_our_sessions(database_url: str) -> None:
    """A database restart, as the pool sees it: the server ends every session it has with us."""
    admin = await asyncpg.connect(make_url(database_url).set(drivername="postgresql").render_as_string(False))
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await admin.close()


def _backend_pid(session: Session) -> int:
    return int(session.scalar(text("SELECT pg_backend_pid()")) or 0)

"""The audit trail: a hash chain that shows any row altered, removed or slipped in, and a table that refuses
to change, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from functools import partial

import pytest
from sqlalchemy import event, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from store.audit import (
    GENESIS_HASH,
    AuditEntry,
    AuditLog,
    Outcome,
    canonical_json,
    payload_digest,
    row_hash,
)
from store.database import Database
from store.db import make_engine
from store.models import AuditRecord


def _entry(n: int) -> AuditEntry:
    return AuditEntry(
        actor=f"u-user-{n}",
        organisation_id="uu-lujiazui",
        role="safety_manager",
        source_address="10.0.0.7",
        action="POST /tickets/{ticket_id}/confirm",
        outcome=Outcome.OK if n % 2 else Outcome.DENIED,
        ticket_id=f"rescue-31011500001-alarm-{n}" if n % 3 else None,
        payload_digest=payload_digest({"n": n}),
    )


async def _chain(database: Database, rows: int = 5) -> AuditLog:
    audit = AuditLog(database)
    for n in range(1, rows + 1):
        await audit.append(_entry(n))
    return audit


async def _bypass_the_application(engine: AsyncEngine) -> None:
    """What someone with the database owner's (or the files') access could do: switch the guard off."""
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER ALL"))
        else:
            await connection.execute(text("DROP TRIGGER audit_log_no_update"))
            await connection.execute(text("DROP TRIGGER audit_log_no_delete"))


async def _run(engine: AsyncEngine, *statements: str) -> None:
    async with engine.begin() as connection:
        for statement in statements:
            await connection.execute(text(statement))


def test_a_payload_digest_does_not_depend_on_key_order_or_spacing() -> None:
    assert canonical_json({"b": 1, "a": "王小明"}) == '{"a":"王小明","b":1}'.encode()
    assert payload_digest({"b": 1, "a": [1, 2]}) == payload_digest({"a": [1, 2], "b": 1})
    assert payload_digest({"a": 1}) != payload_digest({"a": 2})


async def test_appends_build_a_chain_that_verifies(database: Database) -> None:
    audit = await _chain(database)

    rows = await audit.rows()
    verification = await audit.verify()

    assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == GENESIS_HASH
    assert [row.prev_hash for row in rows[1:]] == [row.row_hash for row in rows[:-1]]
    assert all(row.row_hash == row_hash(row) for row in rows)
    assert [row.at for row in rows] == sorted(row.at for row in rows)
    assert verification.intact
    assert (verification.rows, verification.head_hash) == (5, rows[-1].row_hash)
    assert [row.seq for row in await audit.rows("rescue-31011500001-alarm-4")] == [4]


async def test_an_empty_trail_verifies(database: Database) -> None:
    verification = await AuditLog(database).verify()

    assert (verification.intact, verification.rows, verification.head_hash) == (True, 0, GENESIS_HASH)


@pytest.mark.parametrize("database_url", ["sqlite", "postgresql"], indirect=True)
async def test_appends_in_flight_together_share_a_transaction_and_each_get_their_own_row(
    database: Database,
) -> None:
    commits: list[object] = []
    # PostgreSQL's appends commit through SQLAlchemy; SQLite's on its driver, where the statements say so.
    event.listen(database.sync_engine, "commit", commits.append)
    event.listen(database.sync_engine, "connect", partial(_count_commits, commits))
    audit = AuditLog(database)

    records = await asyncio.gather(*(audit.append(_entry(n)) for n in range(1, 41)))
    verification = await audit.verify()

    assert [record.actor for record in records] == [f"u-user-{n}" for n in range(1, 41)]
    assert sorted(record.seq for record in records) == list(range(1, 41))
    assert verification.intact, verification.broken
    assert verification.rows == 40
    # 40 requests' rows, far fewer turns at the database's write lock.
    assert 1 <= len(commits) < 10


def _count_commits(commits: list[object], dbapi_connection: object, _record: object) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)


async def test_a_batch_that_cannot_be_written_fails_every_append_in_it_and_the_next_one_succeeds(
    engine: AsyncEngine, database: Database
) -> None:
    audit = AuditLog(database)
    await _run(engine, "ALTER TABLE audit_log RENAME TO audit_log_away")

    outcomes = await asyncio.gather(*(audit.append(_entry(n)) for n in range(1, 6)), return_exceptions=True)
    await _run(engine, "ALTER TABLE audit_log_away RENAME TO audit_log")
    after = await audit.append(_entry(6))

    assert all(isinstance(outcome, DBAPIError) for outcome in outcomes), outcomes
    assert after.seq == 1
    assert (await audit.verify()).rows == 1


async def test_concurrent_appends_from_separate_processes_never_fork_the_chain(database_url: str) -> None:
    # Two engines stand for two API processes: nothing in memory is shared, only the database's lock.
    engines = [make_engine(database_url), make_engine(database_url)]
    try:
        logs = [AuditLog(Database(engine)) for engine in engines]
        await asyncio.gather(*(logs[n % 2].append(_entry(n)) for n in range(1, 25)))
        verification = await logs[0].verify()
        rows = await logs[1].rows()
    finally:
        for engine in engines:
            await engine.dispose()

    assert verification.intact, verification.broken
    assert verification.rows == 24
    assert sorted(row.actor for row in rows) == sorted(f"u-user-{n}" for n in range(1, 25))


@pytest.mark.parametrize(
    ("column", "forged_value"),
    [
        ("actor", "'u-someone-else'"),
        ("organisation_id", "'mu-shenda'"),
        ("role", "'regulator'"),
        ("source_address", "'127.0.0.1'"),
        ("ticket_id", "'rescue-31011500002-alarm-9'"),
        ("action", "'POST /tickets/{ticket_id}/cancel'"),
        ("outcome", "'ok'"),
        ("payload_digest", "NULL"),
        ("target", "'key_id=k1'"),
    ],
)
async def test_a_row_altered_in_any_field_is_named(
    engine: AsyncEngine, database: Database, column: str, forged_value: str
) -> None:
    audit = await _chain(database)
    await _bypass_the_application(engine)

    # Row 2 was denied; every change is one an interested party might want to make.
    await _run(engine, f"UPDATE audit_log SET {column} = {forged_value} WHERE seq = 2")
    verification = await audit.verify()

    assert verification.broken is not None
    assert verification.broken.seq == 2
    assert "altered" in verification.broken.reason
    assert verification.rows == 1


async def test_an_altered_time_is_named(
    engine: AsyncEngine, database: Database, sessions: async_sessionmaker[AsyncSession]
) -> None:
    audit = await _chain(database)
    await _bypass_the_application(engine)

    async with sessions.begin() as session:
        earlier = datetime(2026, 1, 1, tzinfo=UTC)
        await session.execute(update(AuditRecord).where(AuditRecord.seq == 3).values(at=earlier))
    verification = await audit.verify()

    assert verification.broken is not None
    assert verification.broken.seq == 3


async def test_a_row_rehashed_after_altering_still_breaks_the_next_one(
    engine: AsyncEngine, database: Database
) -> None:
    audit = await _chain(database)
    await _bypass_the_application(engine)
    row = (await audit.rows())[2]
    row.actor = "u-someone-else"
    forged_hash = row_hash(row)

    await _run(
        engine, f"UPDATE audit_log SET actor = 'u-someone-else', row_hash = '{forged_hash}' WHERE seq = 3"
    )
    verification = await audit.verify()

    assert verification.broken is not None
    assert verification.broken.seq == 4
    assert "row 3" in verification.broken.reason


async def test_a_deleted_middle_row_is_named(engine: AsyncEngine, database: Database) -> None:
    audit = await _chain(database)
    await _bypass_the_application(engine)

    await _run(engine, "DELETE FROM audit_log WHERE seq = 3")
    verification = await audit.verify()

    assert verification.broken is not None
    assert verification.broken.seq == 4
    assert "row 3 is missing" in verification.broken.reason
    assert verification.rows == 2


async def test_a_deleted_first_row_is_named(engine: AsyncEngine, database: Database) -> None:
    audit = await _chain(database)
    await _bypass_the_application(engine)

    await _run(engine, "DELETE FROM audit_log WHERE seq = 1")
    verification = await audit.verify()

    assert verification.broken is not None
    assert (verification.broken.seq, verification.rows) == (2, 0)
    assert "row 1 is missing" in verification.broken.reason


async def test_a_forged_row_appended_at_the_end_is_named(engine: AsyncEngine, database: Database) -> None:
    audit = await _chain(database)
    head = (await audit.rows())[-1]
    await _bypass_the_application(engine)

    # It links to the real head, but its hash is made up: whoever forged it could not seal it.
    await _run(
        engine,
        "INSERT INTO audit_log (seq, at, actor, organisation_id, role, source_address, action, outcome, "
        f"prev_hash, row_hash) VALUES (6, '2026-11-26 08:00:00.000000', 'u-regulator-pudong', 'reg-pudong', "
        f"'regulator', '10.0.0.9', 'POST /tickets/{{ticket_id}}/open_case', 'ok', '{head.row_hash}', "
        f"'{'f' * 64}')",
    )
    verification = await audit.verify()

    assert verification.broken is not None
    assert verification.broken.seq == 6
    assert verification.rows == 5


async def test_a_forged_row_slipped_into_the_middle_is_named(
    engine: AsyncEngine, database: Database, sessions: async_sessionmaker[AsyncSession]
) -> None:
    audit = await _chain(database)
    rows = await audit.rows()
    await _bypass_the_application(engine)
    # Make room after row 2, as someone who knows the hash rule would, and seal the forged row properly.
    for seq in (5, 4, 3):
        await _run(engine, f"UPDATE audit_log SET seq = {seq + 1} WHERE seq = {seq}")
    forged = AuditRecord(
        seq=3,
        at=rows[1].at,
        actor="u-regulator-pudong",
        organisation_id="reg-pudong",
        role="regulator",
        source_address="10.0.0.9",
        ticket_id=None,
        target=None,
        action="POST /tickets/{ticket_id}/extend",
        outcome="ok",
        payload_digest=None,
        prev_hash=rows[1].row_hash,
    )
    forged.row_hash = row_hash(forged)
    async with sessions.begin() as session:
        session.add(forged)

    verification = await audit.verify()

    # The forged row holds on its own; the real row after it sealed another seq and another predecessor.
    assert verification.broken is not None
    assert verification.broken.seq == 4
    assert verification.rows == 3


async def test_the_database_refuses_to_change_or_remove_a_row(
    database: Database,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    audit = await _chain(database, rows=2)

    for statement in (
        "UPDATE audit_log SET actor = 'u-someone-else' WHERE seq = 1",
        "DELETE FROM audit_log WHERE seq = 2",
        "DELETE FROM audit_log",
    ):
        with pytest.raises(DBAPIError, match="append-only"):
            async with sessions.begin() as session:
                await session.execute(text(statement))

    verification = await audit.verify()
    assert (verification.intact, verification.rows) == (True, 2)


# SQLite has no TRUNCATE: this one runs on PostgreSQL only.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_postgresql_refuses_to_truncate_the_trail(
    database_url: str, engine: AsyncEngine, database: Database
) -> None:
    assert database_url.startswith("postgresql")
    await _chain(database, rows=1)

    with pytest.raises(DBAPIError, match="append-only"):
        await _run(engine, "TRUNCATE audit_log")

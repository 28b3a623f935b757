"""`elevator-orders audit verify` as an operator (or an inspector from the bureau) runs it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from elevator_orders.cli import main
from elevator_orders.settings import get_settings
from store.audit import GENESIS_HASH, AuditEntry, AuditLog, Outcome, row_hash
from store.database import Database
from store.db import make_engine


@pytest.fixture
def on_test_database(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    # The command configures logging for the process; leave no handler on pytest's closed streams.
    handlers = logging.root.handlers[:]
    try:
        yield database_url
    finally:
        get_settings.cache_clear()
        logging.root.handlers[:] = handlers


async def _append_rows(database_url: str, rows: int) -> None:
    engine = make_engine(database_url)
    try:
        audit = AuditLog(Database(engine))
        for n in range(rows):
            await audit.append(
                AuditEntry(
                    actor="u-regulator-pudong",
                    organisation_id="reg-pudong",
                    role="regulator",
                    source_address="10.0.0.7",
                    action="GET /tickets/{ticket_id}/reporter",
                    outcome=Outcome.OK,
                    ticket_id=f"report-31011500001-{n}",
                )
            )
    finally:
        await engine.dispose()


async def _past_the_trigger(database_url: str, trigger: str, statement: str) -> None:
    """Someone with the database files: drops the trigger that refuses `statement`, then runs it."""
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(f"DROP TRIGGER {trigger}"))
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def _alter_row(database_url: str, seq: int) -> None:
    await _past_the_trigger(
        database_url,
        "audit_log_no_update",
        f"UPDATE audit_log SET actor = 'u-someone-else' WHERE seq = {seq}",
    )


# Plain functions: the command runs its own event loop, as it does from a shell.
def test_an_intact_trail_is_reported_with_its_length(
    on_test_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_append_rows(on_test_database, 3))

    main(["audit", "verify"])

    assert capsys.readouterr().out.startswith("audit trail intact: 3 rows")


def test_a_broken_trail_names_the_row_and_fails(
    on_test_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_append_rows(on_test_database, 3))
    asyncio.run(_alter_row(on_test_database, 2))

    with pytest.raises(SystemExit) as exit_status:
        main(["audit", "verify"])

    assert exit_status.value.code != 0
    error = capsys.readouterr().err
    assert "row 2" in error
    assert "altered" in error


def _kept_head(printed: str) -> str:
    """The `--kept-head N:HASH` an intact verification tells the operator to keep."""
    return printed.split("--kept-head ", 1)[1].split()[0]


async def _remove_tail(database_url: str, from_seq: int) -> None:
    await _past_the_trigger(
        database_url, "audit_log_no_delete", f"DELETE FROM audit_log WHERE seq >= {from_seq}"
    )


async def _rewrite_from(database_url: str, seq: int) -> None:
    """A forger with the database files: alters row `seq` and re-seals every row after it."""
    engine = make_engine(database_url)
    try:
        records = await AuditLog(Database(engine)).rows()
        async with engine.begin() as connection:
            await connection.execute(text("DROP TRIGGER audit_log_no_update"))
            prev_hash = records[seq - 2].row_hash if seq > 1 else GENESIS_HASH
            for record in records[seq - 1 :]:
                if record.seq == seq:
                    record.actor = "u-someone-else"
                record.prev_hash = prev_hash
                record.row_hash = prev_hash = row_hash(record)
                await connection.execute(
                    text(
                        "UPDATE audit_log SET actor = :actor, prev_hash = :prev, row_hash = :hash WHERE seq = :seq"
                    ),
                    {
                        "actor": record.actor,
                        "prev": record.prev_hash,
                        "hash": record.row_hash,
                        "seq": record.seq,
                    },
                )
    finally:
        await engine.dispose()


def test_a_kept_head_shows_a_removed_tail_that_the_chain_alone_cannot(
    on_test_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_append_rows(on_test_database, 3))
    main(["audit", "verify"])
    early = _kept_head(capsys.readouterr().out)
    asyncio.run(_append_rows(on_test_database, 2))
    main(["audit", "verify", "--kept-head", early])
    printed = capsys.readouterr().out
    assert "audit trail intact: 5 rows" in printed
    assert "passes 1 kept head(s)" in printed
    late = _kept_head(printed)

    asyncio.run(_remove_tail(on_test_database, 4))
    # The shortened chain holds together on its own ...
    main(["audit", "verify", "--kept-head", early])
    assert "audit trail intact: 3 rows" in capsys.readouterr().out
    # ... but no longer reaches the head kept after row 5.
    with pytest.raises(SystemExit) as exit_status:
        main(["audit", "verify", "--kept-head", late])
    assert exit_status.value.code == 1
    assert "rows 4 to 5 were removed" in capsys.readouterr().err


def test_a_kept_head_shows_a_chain_rewritten_and_resealed(
    on_test_database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(_append_rows(on_test_database, 4))
    main(["audit", "verify"])
    kept = _kept_head(capsys.readouterr().out)

    asyncio.run(_rewrite_from(on_test_database, 2))
    main(["audit", "verify"])
    assert "audit trail intact: 4 rows" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_status:
        main(["audit", "verify", "--kept-head", kept])
    assert exit_status.value.code == 1
    assert "rewritten at or before row 4" in capsys.readouterr().err


def test_a_mistyped_kept_head_is_refused(on_test_database: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_status:
        main(["audit", "verify", "--kept-head", "3:not-a-hash"])
    assert exit_status.value.code == 2
    assert "N:HASH" in capsys.readouterr().err

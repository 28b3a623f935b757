"""`elevator-orders audit verify` as an operator (or an inspector from the bureau) runs it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from elevator_orders.cli import main
from elevator_orders.settings import get_settings
from store.audit import AuditEntry, AuditLog, Outcome
from store.db import make_engine, make_sessionmaker


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
        audit = AuditLog(make_sessionmaker(engine))
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


async def _alter_row(database_url: str, seq: int) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP TRIGGER audit_log_no_update"))
            await connection.execute(text(f"UPDATE audit_log SET actor = 'u-someone-else' WHERE seq = {seq}"))
    finally:
        await engine.dispose()


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

"""The migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.roles import Role
from store.db import make_engine
from store.migrate import alembic_config, upgrade_to_head_async
from store.models import Base
from tests.support.postgres import fresh_database


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


def _differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_upgrade_creates_every_table(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        tables = await connection.run_sync(_table_names)

    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


async def test_models_and_migrations_do_not_drift(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)

    assert differences == []


async def test_upgrading_again_is_a_no_op(database_url: str, engine: AsyncEngine) -> None:
    await upgrade_to_head_async(database_url)

    async with engine.connect() as connection:
        differences = await connection.run_sync(_differences)
    assert differences == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_a_database_with_users_keeps_their_roles_through_the_accounts_migration(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A database in use before sign-in existed (0003, one role per user) upgrades with its users intact."""
    async with contextlib.AsyncExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        else:
            url = await stack.enter_async_context(
                fresh_database(request.getfixturevalue("postgres_server_url"))
            )
        await asyncio.to_thread(command.upgrade, alembic_config(url), "0003")
        engine = make_engine(url)
        stack.push_async_callback(engine.dispose)
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO organisations (id, name, kind, district, email) VALUES (:id, :n, :k, '', '')"
                ),
                {"id": "uu-old", "n": "老物业", "k": "use_unit"},
            )
            await connection.execute(
                text(
                    "INSERT INTO users (id, name, organisation_id, role) VALUES ('u-old', '老王', 'uu-old', :r)"
                ),
                {"r": Role.SAFETY_MANAGER.value},
            )

        await upgrade_to_head_async(url)

        async with engine.connect() as connection:
            roles = (await connection.execute(text("SELECT user_id, role FROM user_roles"))).all()
            user = (await connection.execute(text("SELECT name, active, password_hash FROM users"))).one()
        assert [tuple(row) for row in roles] == [("u-old", "safety_manager")]
        assert (user.name, bool(user.active), user.password_hash) == ("老王", True, None)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
async def test_tickets_stored_before_numbers_are_numbered_in_the_order_they_were_opened(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        if backend == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        else:
            url = await stack.enter_async_context(
                fresh_database(request.getfixturevalue("postgres_server_url"))
            )
        await asyncio.to_thread(command.upgrade, alembic_config(url), "0008")
        engine = make_engine(url)
        stack.push_async_callback(engine.dispose)
        # Opened 2026-11-25 in Shanghai (the second one at 23:30 UTC the day before), and one the next day.
        opened = {
            "rescue-later": "2026-11-25 02:00:00+00:00",
            "rescue-first": "2026-11-24 23:30:00+00:00",
            "rescue-next-day": "2026-11-25 16:30:00+00:00",
            "hazard-one": "2026-11-25 03:00:00+00:00",
        }
        async with engine.begin() as connection:
            for ticket_id, at in opened.items():
                kind = ticket_id.split("-")[0]
                await connection.execute(
                    text(
                        "INSERT INTO tickets (ticket_id, kind, state, seq, workflow_id, run_id, elevator_code,"
                        " district, use_unit_id, maintenance_unit_id, assigned_unit_id, opened_at, updated_at,"
                        " overdue, deadlines, provisional_deadlines, flags, details, linked_tickets) VALUES"
                        " (:id, :kind, 'dispatched', 1, :id, 'run', '31011500001', 'pudong', 'uu', 'mu', 'mu',"
                        " :at, :at, false, '{}', '[]', '[]', '{}', '[]')"
                    ),
                    {"id": ticket_id, "kind": kind, "at": datetime.fromisoformat(at)},
                )

        await upgrade_to_head_async(url)

        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT ticket_id, number_prefix, number_serial FROM tickets")
            )
            numbers = {ticket_id: f"{prefix}-{serial:04d}" for ticket_id, prefix, serial in rows}
        assert numbers == {
            "rescue-first": "KR-PD-20261125-0001",
            "rescue-later": "KR-PD-20261125-0002",
            "rescue-next-day": "KR-PD-20261126-0001",
            "hazard-one": "YH-PD-20261125-0001",
        }

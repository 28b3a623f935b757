"""Engines and sessions for the read model; SQLite by default, PostgreSQL through the same code."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import DateTime, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.types import TypeDecorator
from sqlalchemy.util import await_


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; times must be timezone-aware")
        value = value.astimezone(UTC)
        # SQLite compares datetimes as text: store them naive UTC so ordering and filters hold.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# How long SQLite statements wait for a lock another connection holds before they fail.
SQLITE_LOCK_WAIT_SECONDS = 30


def make_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    # Errors never quote a statement's parameters: they can be a complainant's name or phone, and errors
    # end up in logs.
    kwargs: dict[str, Any] = {"json_deserializer": JSON_DESERIALIZER, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": SQLITE_LOCK_WAIT_SECONDS}
    elif parsed.get_driver_name() != "asyncpg":
        kwargs["pool_pre_ping"] = True
    engine = create_async_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", sqlite_pragmas)
    elif parsed.get_driver_name() == "asyncpg":
        event.listen(engine.sync_engine, "connect", _jsonb_in_c)
        event.listen(engine.sync_engine.pool, "checkout", _ping_asyncpg)
    return engine


def _jsonb_in_c(dbapi_connection: Any, _record: Any) -> None:
    """JSONB values decoded by orjson called from the driver itself, without a Python function between.

    SQLAlchemy's own codec (set when the connection is made, before this runs) is a Python function
    that slices, decodes and then parses each value: a page of 50 tickets has 250 of them, and they
    cost 68 us of the 0.6 ms the listing spends above its SQL where orjson alone costs 25. In text
    format the driver hands orjson the JSON text as it came; what it sends is the text SQLAlchemy's
    JSON type already serialised.
    """
    await_(
        dbapi_connection.driver_connection.set_type_codec(
            "jsonb", encoder=str, decoder=JSON_DESERIALIZER, schema="pg_catalog", format="text"
        )
    )


def _ping_asyncpg(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Make sure a pooled connection still works before it is used (a database restart drops them all).

    What `pool_pre_ping` does, in one round trip: SQLAlchemy's own asyncpg ping wraps its `;` in a
    transaction (BEGIN, `;`, ROLLBACK) unless the connection is in autocommit, and the pool hands out
    connections at the default isolation level: 0.4 ms of a 0.8 ms read in a micro-benchmark. Raising
    DisconnectionError makes the pool drop this connection and check out a fresh one. Asking the driver
    whether it saw the server close the connection costs nothing, but misses one the server ended a
    moment ago: the restart test failed with it one run in a few.
    """
    try:
        await_(dbapi_connection.driver_connection.fetchrow(";"))
    except Exception as error:
        raise DisconnectionError(f"pooled connection no longer answers: {error}") from error


# A ticket row holds five JSON columns: a page of 50 parsed them with json.loads in a third of the
# time the listing's own SQL took (`make bench`'s read model); orjson reads the same values 3-4x faster.
JSON_DESERIALIZER = orjson.loads


def sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the API read while the worker projects; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_LOCK_WAIT_SECONDS * 1000}")
    cursor.close()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)

"""Every store test runs against a freshly migrated database on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from store.migrate import upgrade_to_head_async
from tests.support.postgres import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"], ids=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """The URL of an empty database migrated to the newest schema, on the backend of the parameter."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'store.db'}"
        await upgrade_to_head_async(url)
        yield url
        return
    async with fresh_database(request.getfixturevalue("postgres_server_url")) as url:
        await upgrade_to_head_async(url)
        yield url

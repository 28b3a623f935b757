"""Shared fixtures: real Temporal servers, a migrated and seeded database, a real SMTP server."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from temporalio.testing import WorkflowEnvironment

from elevator_orders.settings import Settings
from store.database import Database
from store.db import make_engine, make_sessionmaker
from store.migrate import upgrade_to_head_async
from store.seed import seed_demo_data
from tests.support.clock import as_of_offset
from tests.support.payload_keys import TEST_PAYLOAD_ENCRYPTION_KEY, encrypting_data_converter
from tests.support.postgres import fresh_database, throwaway_postgres
from tests.support.smtp import MailCatcher
from tests.support.temporal_test_server import temporal_cli, time_skipping_wrapper

# Fails a hung test after a few minutes, with its asyncio stacks, so that one hang cannot stall CI; ends
# the runs a test leaves open on the dev server, the usual cause of such hangs.
pytest_plugins = ["tests.support.hang_guard"]


@pytest.fixture(scope="session")
async def dev_server() -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal dev server (the same CLI `make run` uses), in memory, for the whole session."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal_cli()), data_converter=encrypting_data_converter()
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def time_skipping_server() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's Java time-skipping test server: a 24-hour deadline passes in well under a second."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(time_skipping_wrapper()),
        data_converter=encrypting_data_converter(),
    )
    try:
        if offset := as_of_offset():
            await env.sleep(offset)
        yield env
    finally:
        await env.shutdown()


@pytest.fixture
def mail_catcher() -> Iterator[MailCatcher]:
    with MailCatcher() as catcher:
        yield catcher


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """One throwaway PostgreSQL server for the whole session; each test gets its own database on it."""
    with throwaway_postgres() as url:
        yield url


@pytest.fixture
def database_backend(request: pytest.FixtureRequest) -> str:
    """SQLite unless a test asks for more with `@pytest.mark.parametrize("database_backend", ..., indirect=True)`."""
    # The parameter reaches a fixture only through request.param: without reading it, every such test
    # ran on SQLite whatever it asked for.
    backend: str = getattr(request, "param", "sqlite")
    return backend


@pytest.fixture
async def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, database_backend: str
) -> AsyncIterator[str]:
    """A fresh read model on the test's backend, migrated and seeded with the demo registry."""
    async with contextlib.AsyncExitStack() as stack:
        if database_backend == "postgresql":
            url = await stack.enter_async_context(
                fresh_database(request.getfixturevalue("postgres_server_url"))
            )
        else:
            url = f"sqlite+aiosqlite:///{tmp_path / 'orders.db'}"
        await upgrade_to_head_async(url)
        engine = make_engine(url)
        try:
            await seed_demo_data(make_sessionmaker(engine))
        finally:
            await engine.dispose()
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return make_sessionmaker(engine)


@pytest.fixture
async def database(engine: AsyncEngine) -> AsyncIterator[Database]:
    """What repositories run their units of work on, over the same database as `sessions`."""
    database = Database(engine)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, mail_catcher: MailCatcher) -> Settings:
    """Settings of one test: its own database, mail server and task queue."""
    return Settings(
        _env_file=None,
        var_dir=tmp_path / "var",
        database_url=database_url,
        smtp_host=mail_catcher.host,
        smtp_port=mail_catcher.port,
        temporal_task_queue=f"test-{uuid.uuid4().hex}",
        # Every request of a test comes from one address: only the abuse-limit tests set a low limit.
        public_rate_per_minute=100_000,
        payload_encryption_key=TEST_PAYLOAD_ENCRYPTION_KEY,
    )

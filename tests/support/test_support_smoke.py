"""The test infrastructure itself: when these fail, the fix is `make test-server` / `make postgres`,
not a change to the code under test, and the message says so before a hundred fixtures fail."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta

import asyncpg
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.support.postgres import URL_ENV_VAR, throwaway_postgres
from tests.support.temporal_test_server import temporal_cli, time_skipping_wrapper


async def test_throwaway_postgres_accepts_connections_and_is_gone_after_exit() -> None:
    with throwaway_postgres() as url:
        dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        conn = await asyncpg.connect(dsn)
        try:
            assert await conn.fetchval("select 1") == 1
        finally:
            await conn.close()
    if os.environ.get(URL_ENV_VAR):
        return  # an externally provided server is not ours to stop
    with pytest.raises(ConnectionRefusedError):
        await asyncpg.connect(dsn, timeout=10)


async def test_time_skipping_server_skips_time() -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(time_skipping_wrapper())
    )
    try:
        before = await env.get_current_time()
        await env.sleep(timedelta(days=15))
        assert await env.get_current_time() - before >= timedelta(days=15)
    finally:
        await env.shutdown()


def test_temporal_cli_is_the_pinned_one() -> None:
    result = subprocess.run(
        [str(temporal_cli()), "--version"], capture_output=True, text=True, check=True, timeout=30
    )
    assert "1.9.1" in result.stdout
